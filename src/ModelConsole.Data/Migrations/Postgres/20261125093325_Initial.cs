using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ModelConsole.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "families",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Description = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Owner = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    RoutingVersion = table.Column<long>(type: "bigint", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_families", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ledger",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Family = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    Bundle = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    From = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    To = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Percent = table.Column<double>(type: "double precision", nullable: true),
                    Reason = table.Column<string>(type: "text", nullable: true),
                    Automatic = table.Column<bool>(type: "boolean", nullable: false),
                    Evidence = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ledger", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "meta",
                columns: table => new
                {
                    Key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Value = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_meta", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "bundles",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    FamilyId = table.Column<int>(type: "integer", nullable: false),
                    Provider = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ModelId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    Prompt = table.Column<string>(type: "text", nullable: false),
                    PromptHash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    Config = table.Column<string>(type: "text", nullable: false),
                    ConfigHash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    BundleHash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    ParentId = table.Column<int>(type: "integer", nullable: true),
                    Changed = table.Column<int>(type: "integer", nullable: false),
                    MultiVariable = table.Column<bool>(type: "boolean", nullable: false),
                    Justification = table.Column<string>(type: "text", nullable: true),
                    Notes = table.Column<string>(type: "text", nullable: true),
                    PriceInputPerMillion = table.Column<double>(type: "double precision", nullable: true),
                    PriceOutputPerMillion = table.Column<double>(type: "double precision", nullable: true),
                    PriceCachedInputPerMillion = table.Column<double>(type: "double precision", nullable: true),
                    BaselineSamples = table.Column<long>(type: "bigint", nullable: true),
                    BaselineErrorRate = table.Column<double>(type: "double precision", nullable: true),
                    BaselineQualityMean = table.Column<double>(type: "double precision", nullable: true),
                    BaselineQualityStdDev = table.Column<double>(type: "double precision", nullable: true),
                    BaselineLatencyP50Ms = table.Column<double>(type: "double precision", nullable: true),
                    BaselineLatencyP95Ms = table.Column<double>(type: "double precision", nullable: true),
                    BaselineCostPerCallUsd = table.Column<double>(type: "double precision", nullable: true),
                    BaselineCostPerCallStdDevUsd = table.Column<double>(type: "double precision", nullable: true),
                    BaselineNegativeFeedbackRate = table.Column<double>(type: "double precision", nullable: true),
                    HasBaseline = table.Column<bool>(type: "boolean", nullable: false),
                    Fallbacks = table.Column<string>(type: "text", nullable: false),
                    Stage = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    TrafficPercent = table.Column<double>(type: "double precision", nullable: true),
                    RolledBack = table.Column<bool>(type: "boolean", nullable: false),
                    StageEnteredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_bundles", x => x.Id);
                    table.ForeignKey(
                        name: "FK_bundles_bundles_ParentId",
                        column: x => x.ParentId,
                        principalTable: "bundles",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_bundles_families_FamilyId",
                        column: x => x.FamilyId,
                        principalTable: "families",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_bundles_CreatedAt",
                table: "bundles",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_bundles_FamilyId_Stage",
                table: "bundles",
                columns: new[] { "FamilyId", "Stage" });

            migrationBuilder.CreateIndex(
                name: "IX_bundles_Name",
                table: "bundles",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_bundles_ParentId",
                table: "bundles",
                column: "ParentId");

            migrationBuilder.CreateIndex(
                name: "IX_families_Name",
                table: "families",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ledger_At",
                table: "ledger",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_ledger_Bundle_At",
                table: "ledger",
                columns: new[] { "Bundle", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ledger_Family_At",
                table: "ledger",
                columns: new[] { "Family", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bundles");

            migrationBuilder.DropTable(
                name: "ledger");

            migrationBuilder.DropTable(
                name: "meta");

            migrationBuilder.DropTable(
                name: "families");
        }
    }
}
