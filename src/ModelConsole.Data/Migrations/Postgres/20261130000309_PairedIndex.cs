using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PairedIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_telemetry_events_paired",
                table: "telemetry_events",
                columns: new[] { "BundleId", "Timestamp" },
                filter: "\"PrimaryEventId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_telemetry_events_paired",
                table: "telemetry_events");
        }
    }
}
