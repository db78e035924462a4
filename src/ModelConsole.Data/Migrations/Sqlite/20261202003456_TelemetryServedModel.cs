using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TelemetryServedModel : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ServedModel",
                table: "telemetry_events",
                type: "TEXT",
                maxLength: 128,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ServedModel",
                table: "telemetry_events");
        }
    }
}
