using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RuleStates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "NewestReceivedAt",
                table: "rollups",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "rule_states",
                columns: table => new
                {
                    BundleId = table.Column<int>(type: "INTEGER", nullable: false),
                    RuleId = table.Column<long>(type: "INTEGER", nullable: false),
                    Breaches = table.Column<int>(type: "INTEGER", nullable: false),
                    Healthy = table.Column<int>(type: "INTEGER", nullable: false),
                    LastCountedDataAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rule_states", x => new { x.BundleId, x.RuleId });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rule_states");

            migrationBuilder.DropColumn(
                name: "NewestReceivedAt",
                table: "rollups");
        }
    }
}
