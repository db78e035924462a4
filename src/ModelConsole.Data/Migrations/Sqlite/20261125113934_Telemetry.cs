using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Telemetry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "rollup_errors",
                columns: table => new
                {
                    BundleId = table.Column<int>(type: "INTEGER", nullable: false),
                    Minute = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ErrorType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollup_errors", x => new { x.BundleId, x.Minute, x.ErrorType });
                });

            migrationBuilder.CreateTable(
                name: "rollup_latency",
                columns: table => new
                {
                    BundleId = table.Column<int>(type: "INTEGER", nullable: false),
                    Minute = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Bucket = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollup_latency", x => new { x.BundleId, x.Minute, x.Bucket });
                });

            migrationBuilder.CreateTable(
                name: "rollups",
                columns: table => new
                {
                    BundleId = table.Column<int>(type: "INTEGER", nullable: false),
                    Minute = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    Errors = table.Column<long>(type: "INTEGER", nullable: false),
                    LatencySumMs = table.Column<double>(type: "REAL", nullable: false),
                    QualityCount = table.Column<long>(type: "INTEGER", nullable: false),
                    QualitySum = table.Column<double>(type: "REAL", nullable: false),
                    QualitySumSquares = table.Column<double>(type: "REAL", nullable: false),
                    InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CachedInputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CostCount = table.Column<long>(type: "INTEGER", nullable: false),
                    CostSum = table.Column<double>(type: "REAL", nullable: false),
                    CostSumSquares = table.Column<double>(type: "REAL", nullable: false),
                    PositiveFeedback = table.Column<long>(type: "INTEGER", nullable: false),
                    NegativeFeedback = table.Column<long>(type: "INTEGER", nullable: false),
                    Simulated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollups", x => new { x.BundleId, x.Minute });
                });

            migrationBuilder.CreateTable(
                name: "telemetry_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RequestId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    BundleId = table.Column<int>(type: "INTEGER", nullable: false),
                    FamilyId = table.Column<int>(type: "INTEGER", nullable: false),
                    Timestamp = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LatencyMs = table.Column<double>(type: "REAL", nullable: false),
                    InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CachedInputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CostUsd = table.Column<double>(type: "REAL", nullable: true),
                    Success = table.Column<bool>(type: "INTEGER", nullable: false),
                    ErrorType = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    QualityScore = table.Column<double>(type: "REAL", nullable: true),
                    Feedback = table.Column<short>(type: "INTEGER", nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    OutputHash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Agreement = table.Column<double>(type: "REAL", nullable: true),
                    ShadowOf = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    PrimaryEventId = table.Column<long>(type: "INTEGER", nullable: true),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Simulated = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_telemetry_events", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_rollups_Minute",
                table: "rollups",
                column: "Minute");

            migrationBuilder.CreateIndex(
                name: "IX_telemetry_events_RequestId_BundleId",
                table: "telemetry_events",
                columns: new[] { "RequestId", "BundleId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_telemetry_events_unpaired",
                table: "telemetry_events",
                column: "FamilyId",
                filter: "\"ShadowOf\" IS NOT NULL AND \"PrimaryEventId\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rollup_errors");

            migrationBuilder.DropTable(
                name: "rollup_latency");

            migrationBuilder.DropTable(
                name: "rollups");

            migrationBuilder.DropTable(
                name: "telemetry_events");
        }
    }
}
