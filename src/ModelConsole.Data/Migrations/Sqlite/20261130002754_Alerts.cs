using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Alerts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RulesVersion",
                table: "families",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "CapturedBaseline",
                table: "bundles",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "CapturedBaselineAt",
                table: "bundles",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "alerts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FamilyId = table.Column<int>(type: "INTEGER", nullable: false),
                    Family = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    BundleId = table.Column<int>(type: "INTEGER", nullable: false),
                    Bundle = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    RuleId = table.Column<long>(type: "INTEGER", nullable: false),
                    Metric = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Observed = table.Column<double>(type: "REAL", nullable: true),
                    Limit = table.Column<double>(type: "REAL", nullable: true),
                    Reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Derivation = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    RaisedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AcknowledgedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AcknowledgedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Resolution = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    ResolvedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ResolvedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    ResolveReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RollbackElapsedMs = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_alerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "rules",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    FamilyId = table.Column<int>(type: "INTEGER", nullable: false),
                    Position = table.Column<int>(type: "INTEGER", nullable: false),
                    Metric = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Z = table.Column<double>(type: "REAL", nullable: false),
                    MinEffect = table.Column<double>(type: "REAL", nullable: false),
                    MinAbsoluteEffect = table.Column<double>(type: "REAL", nullable: false),
                    Tolerance = table.Column<double>(type: "REAL", nullable: false),
                    WindowMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    MinSamples = table.Column<long>(type: "INTEGER", nullable: false),
                    Consecutive = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rules", x => x.Id);
                    table.ForeignKey(
                        name: "FK_rules_families_FamilyId",
                        column: x => x.FamilyId,
                        principalTable: "families",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_FamilyId",
                table: "alerts",
                column: "FamilyId");

            migrationBuilder.CreateIndex(
                name: "IX_alerts_State_RaisedAt",
                table: "alerts",
                columns: new[] { "State", "RaisedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_open",
                table: "alerts",
                columns: new[] { "BundleId", "RuleId" },
                unique: true,
                filter: "\"State\" <> 'resolved'");

            migrationBuilder.CreateIndex(
                name: "IX_rules_FamilyId_Position",
                table: "rules",
                columns: new[] { "FamilyId", "Position" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "alerts");

            migrationBuilder.DropTable(
                name: "rules");

            migrationBuilder.DropColumn(
                name: "RulesVersion",
                table: "families");

            migrationBuilder.DropColumn(
                name: "CapturedBaseline",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "CapturedBaselineAt",
                table: "bundles");
        }
    }
}
