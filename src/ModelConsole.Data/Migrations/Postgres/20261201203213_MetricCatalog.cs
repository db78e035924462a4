using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ModelConsole.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MetricCatalog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "RegisteredBaseline",
                table: "bundles",
                type: "text",
                nullable: true);

            // Registered baselines move into one JSON column in the API's shape, so a new metric needs no new column.
            migrationBuilder.Sql(
                "UPDATE bundles SET \"RegisteredBaseline\" = json_build_object('samples', \"BaselineSamples\", 'errorRate', \"BaselineErrorRate\", " +
                "'qualityMean', \"BaselineQualityMean\", 'qualityStdDev', \"BaselineQualityStdDev\", 'latencyP50Ms', \"BaselineLatencyP50Ms\", " +
                "'latencyP95Ms', \"BaselineLatencyP95Ms\", 'costPerCallUsd', \"BaselineCostPerCallUsd\", 'costPerCallStdDevUsd', \"BaselineCostPerCallStdDevUsd\", " +
                "'negativeFeedbackRate', \"BaselineNegativeFeedbackRate\")::text WHERE \"HasBaseline\"");

            migrationBuilder.DropColumn(
                name: "BaselineCostPerCallStdDevUsd",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineCostPerCallUsd",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineErrorRate",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineLatencyP50Ms",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineLatencyP95Ms",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineNegativeFeedbackRate",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineQualityMean",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineQualityStdDev",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "BaselineSamples",
                table: "bundles");

            migrationBuilder.DropColumn(
                name: "HasBaseline",
                table: "bundles");

            migrationBuilder.AddColumn<long>(
                name: "Mirrored",
                table: "rollups",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<double>(
                name: "OutputTokensSumSquares",
                table: "rollups",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Mirrored",
                table: "rollups");

            migrationBuilder.DropColumn(
                name: "OutputTokensSumSquares",
                table: "rollups");

            migrationBuilder.DropColumn(
                name: "RegisteredBaseline",
                table: "bundles");

            migrationBuilder.AddColumn<double>(
                name: "BaselineCostPerCallStdDevUsd",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineCostPerCallUsd",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineErrorRate",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineLatencyP50Ms",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineLatencyP95Ms",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineNegativeFeedbackRate",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineQualityMean",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "BaselineQualityStdDev",
                table: "bundles",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "BaselineSamples",
                table: "bundles",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "HasBaseline",
                table: "bundles",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }
    }
}
