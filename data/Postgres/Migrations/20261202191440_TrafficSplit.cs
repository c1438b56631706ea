using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class TrafficSplit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Traffic",
                table: "Functions",
                type: "text",
                nullable: false,
                defaultValue: "{}");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Traffic",
                table: "Functions");
        }
    }
}
