using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SequentialRules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "Alpha",
                table: "rules",
                type: "REAL",
                nullable: false,
                defaultValue: 0.05);

            migrationBuilder.AddColumn<string>(
                name: "Test",
                table: "rules",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "window");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Alpha",
                table: "rules");

            migrationBuilder.DropColumn(
                name: "Test",
                table: "rules");
        }
    }
}
