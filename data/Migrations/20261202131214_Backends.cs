using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Platform.Data.Migrations
{
    /// <inheritdoc />
    public partial class Backends : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Backends",
                table: "Nodes",
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "container");

            migrationBuilder.AddColumn<string>(
                name: "Isolation",
                table: "Instances",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "container");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Backends",
                table: "Nodes");

            migrationBuilder.DropColumn(
                name: "Isolation",
                table: "Instances");
        }
    }
}
