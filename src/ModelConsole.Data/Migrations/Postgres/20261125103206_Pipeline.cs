using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Pipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastRollbackVersion",
                table: "families",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PlannedSamples",
                table: "bundles",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastRollbackVersion",
                table: "families");

            migrationBuilder.DropColumn(
                name: "PlannedSamples",
                table: "bundles");
        }
    }
}
