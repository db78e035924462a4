using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ModelConsole.Data.Migrations.Postgres
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
                    BundleId = table.Column<int>(type: "integer", nullable: false),
                    Minute = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ErrorType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollup_errors", x => new { x.BundleId, x.Minute, x.ErrorType });
                });

            migrationBuilder.CreateTable(
                name: "rollup_latency",
                columns: table => new
                {
                    BundleId = table.Column<int>(type: "integer", nullable: false),
                    Minute = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Bucket = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollup_latency", x => new { x.BundleId, x.Minute, x.Bucket });
                });

            migrationBuilder.CreateTable(
                name: "rollups",
                columns: table => new
                {
                    BundleId = table.Column<int>(type: "integer", nullable: false),
                    Minute = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Requests = table.Column<long>(type: "bigint", nullable: false),
                    Errors = table.Column<long>(type: "bigint", nullable: false),
                    LatencySumMs = table.Column<double>(type: "double precision", nullable: false),
                    QualityCount = table.Column<long>(type: "bigint", nullable: false),
                    QualitySum = table.Column<double>(type: "double precision", nullable: false),
                    QualitySumSquares = table.Column<double>(type: "double precision", nullable: false),
                    InputTokens = table.Column<long>(type: "bigint", nullable: false),
                    CachedInputTokens = table.Column<long>(type: "bigint", nullable: false),
                    OutputTokens = table.Column<long>(type: "bigint", nullable: false),
                    CostCount = table.Column<long>(type: "bigint", nullable: false),
                    CostSum = table.Column<double>(type: "double precision", nullable: false),
                    CostSumSquares = table.Column<double>(type: "double precision", nullable: false),
                    PositiveFeedback = table.Column<long>(type: "bigint", nullable: false),
                    NegativeFeedback = table.Column<long>(type: "bigint", nullable: false),
                    Simulated = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rollups", x => new { x.BundleId, x.Minute });
                });

            migrationBuilder.CreateTable(
                name: "telemetry_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RequestId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    BundleId = table.Column<int>(type: "integer", nullable: false),
                    FamilyId = table.Column<int>(type: "integer", nullable: false),
                    Timestamp = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LatencyMs = table.Column<double>(type: "double precision", nullable: false),
                    InputTokens = table.Column<long>(type: "bigint", nullable: false),
                    OutputTokens = table.Column<long>(type: "bigint", nullable: false),
                    CachedInputTokens = table.Column<long>(type: "bigint", nullable: false),
                    CostUsd = table.Column<double>(type: "double precision", nullable: true),
                    Success = table.Column<bool>(type: "boolean", nullable: false),
                    ErrorType = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    QualityScore = table.Column<double>(type: "double precision", nullable: true),
                    Feedback = table.Column<short>(type: "smallint", nullable: false),
                    Subject = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    OutputHash = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    Agreement = table.Column<double>(type: "double precision", nullable: true),
                    ShadowOf = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    PrimaryEventId = table.Column<long>(type: "bigint", nullable: true),
                    Provider = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    Simulated = table.Column<bool>(type: "boolean", nullable: false)
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
