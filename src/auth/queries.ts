// SQL of the admin guard: an enabled operator by token hash or by email (Cloudflare Access sign-in).
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { operators } from "../db/schema";

const columns = { id: operators.id, email: operators.email, role: operators.role };

export async function enabledOperatorByTokenHash(db: Database, tokenHash: string) {
  const [row] = await db
    .select(columns)
    .from(operators)
    .where(and(eq(operators.tokenHash, tokenHash), isNull(operators.disabledAt)))
    .limit(1);
  return row;
}

export async function enabledOperatorByEmail(db: Database, email: string) {
  const [row] = await db
    .select(columns)
    .from(operators)
    .where(and(eq(operators.email, email), isNull(operators.disabledAt)))
    .limit(1);
  return row;
}
