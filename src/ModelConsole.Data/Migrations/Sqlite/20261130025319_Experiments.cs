using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Experiments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "experiments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    FamilyId = table.Column<int>(type: "INTEGER", nullable: false),
                    Family = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ArmAId = table.Column<int>(type: "INTEGER", nullable: false),
                    ArmA = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ArmBId = table.Column<int>(type: "INTEGER", nullable: false),
                    ArmB = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    SplitBPercent = table.Column<double>(type: "REAL", nullable: false),
                    Metric = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Mde = table.Column<double>(type: "REAL", nullable: false),
                    MdeType = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Alpha = table.Column<double>(type: "REAL", nullable: false),
                    Power = table.Column<double>(type: "REAL", nullable: false),
                    Sides = table.Column<int>(type: "INTEGER", nullable: false),
                    Baseline = table.Column<double>(type: "REAL", nullable: false),
                    StdDev = table.Column<double>(type: "REAL", nullable: true),
                    PlannedPerArm = table.Column<double>(type: "REAL", nullable: false),
                    PlannedPerArmA = table.Column<long>(type: "INTEGER", nullable: false),
                    PlannedPerArmB = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StartedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EndedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Decision = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    Result = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_experiments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_experiments_bundles_ArmAId",
                        column: x => x.ArmAId,
                        principalTable: "bundles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_experiments_bundles_ArmBId",
                        column: x => x.ArmBId,
                        principalTable: "bundles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_experiments_families_FamilyId",
                        column: x => x.FamilyId,
                        principalTable: "families",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_experiments_ArmAId",
                table: "experiments",
                column: "ArmAId");

            migrationBuilder.CreateIndex(
                name: "IX_experiments_ArmBId",
                table: "experiments",
                column: "ArmBId");

            migrationBuilder.CreateIndex(
                name: "IX_experiments_StartedAt",
                table: "experiments",
                column: "StartedAt");

            migrationBuilder.CreateIndex(
                name: "IX_experiments_running",
                table: "experiments",
                column: "FamilyId",
                unique: true,
                filter: "\"State\" = 'running'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "experiments");
        }
    }
}
