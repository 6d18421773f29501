// Prisma CLI configuration. The sync itself never needs the CLI at run time: it applies
// prisma/migrations on its own (src/store/migrate.ts) because the CLI's schema engine
// cannot be downloaded everywhere.
import "dotenv/config";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/sync_tokens" },
});
