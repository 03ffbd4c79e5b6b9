// SQL of the operators resource: list, create, role change and disable, each write with its audit row.
import { sql } from "drizzle-orm";
import type { OperatorRole } from "../../../auth/admin";
import type { Database } from "../../../db/client";
import { pgErrorOf, UNIQUE_VIOLATION } from "../../../lib/errors";
import { auditInsert } from "../audit/queries";
import type { AuditMeta } from "../audit/record";
import { iso } from "../sql-helpers";

export type OperatorRow = {
  id: string;
  email: string;
  role: OperatorRole;
  created_at: string;
  disabled_at: string | null;
};

const columns = (x: string) =>
  sql
    .raw(`${x}.id::text AS id, ${x}.email, ${x}.role, `)
    .append(sql`${iso(`${x}.created_at`)} AS created_at, ${iso(`${x}.disabled_at`)} AS disabled_at`);

export async function listOperators(db: Database) {
  const { rows } = await db.execute<OperatorRow>(sql`SELECT ${columns("o")} FROM operators o ORDER BY o.email`);
  return rows;
}

/** The new operator (audited), or "email_taken". */
export async function insertOperator(
  db: Database,
  meta: AuditMeta,
  operator: { email: string; role: OperatorRole; tokenHash: string },
) {
  const rows = await db
    .execute<OperatorRow>(sql`
      WITH o AS (
        INSERT INTO operators (email, role, token_hash) VALUES (${operator.email}, ${operator.role}, ${operator.tokenHash})
        RETURNING *
      ),
      audit AS (${auditInsert(
        meta,
        {
          action: "operator.create",
          targetType: "operator",
          targetId: sql`o.id`,
          after: sql`jsonb_build_object('email', o.email, 'role', o.role)`,
        },
        sql`FROM o`,
      )})
      SELECT ${columns("o")} FROM o`)
    .then(
      (r) => r.rows,
      (err) => {
        if (pgErrorOf(err)?.code === UNIQUE_VIOLATION) return "email_taken" as const;
        throw err;
      },
    );
  if (typeof rows === "string") return rows;
  if (!rows[0]) throw new Error("insert returned no row");
  return rows[0];
}

type Changed = OperatorRow & { token_hash: string };

/** Sets the role (audited with before/after); the row and its token hash (its cache key), or undefined. */
export async function setOperatorRole(db: Database, meta: AuditMeta, id: string, role: OperatorRole) {
  const { rows } = await db.execute<Changed>(sql`
    WITH old AS (SELECT id, role FROM operators WHERE id = ${id} FOR UPDATE),
    o AS (UPDATE operators SET role = ${role}, updated_at = now() WHERE id IN (SELECT id FROM old) RETURNING *),
    audit AS (${auditInsert(
      meta,
      {
        action: "operator.role",
        targetType: "operator",
        targetId: sql`o.id`,
        before: sql`jsonb_build_object('role', old.role)`,
        after: sql`jsonb_build_object('role', o.role)`,
      },
      sql`FROM o JOIN old ON old.id = o.id`,
    )})
    SELECT ${columns("o")}, o.token_hash FROM o`);
  return rows[0];
}

/** Disables the operator (once, audited); its token hash and email (its cache keys), or undefined. */
export async function disableOperator(db: Database, meta: AuditMeta, id: string) {
  const { rows } = await db.execute<Changed>(sql`
    WITH old AS (SELECT id, disabled_at FROM operators WHERE id = ${id} FOR UPDATE),
    o AS (
      UPDATE operators SET disabled_at = now(), updated_at = now()
      WHERE id IN (SELECT id FROM old WHERE disabled_at IS NULL) RETURNING *
    ),
    audit AS (${auditInsert(
      meta,
      {
        action: "operator.disable",
        targetType: "operator",
        targetId: sql`o.id`,
        before: sql`jsonb_build_object('disabled_at', NULL)`,
        after: sql`jsonb_build_object('disabled_at', ${iso("o.disabled_at")})`,
      },
      sql`FROM o`,
    )})
    SELECT ${columns("x")}, x.token_hash FROM operators x WHERE x.id IN (SELECT id FROM old)`);
  return rows[0];
}
