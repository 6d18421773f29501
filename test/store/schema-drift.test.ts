// The migrated database must match prisma/schema.prisma exactly, on both backends. The migration
// SQL is hand-written (the Prisma schema engine cannot be downloaded here), so this test keeps it
// honest: the expected tables, columns, indexes, constraints, sequences and enums are derived from
// the schema's DMMF, computed by the Prisma CLI's own schema wasm (the code `prisma generate` runs),
// and compared with what the PostgreSQL catalogs hold after migrate().
//
// Schema features this test does not model make expectedFromSchema() throw rather than pass silently:
// extend it when the schema starts using one of them.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database, type SqlSession } from "../../src/store/database.ts";
import { migrate } from "../../src/store/migrate.ts";
import { packageRoot } from "../../src/paths.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/databases.ts";

const schemaPath = path.join(packageRoot, "prisma", "schema.prisma");

// ---------------------------------------------------------------------------------------------
// The shape both sides are reduced to. Leaves are rendered the way PostgreSQL prints them
// (format_type, pg_get_expr), so that a difference reads as SQL.

interface ColumnShape {
  type: string;
  nullable: boolean;
  /** Canonical default expression (see canonicalDefault), or null. */
  default: string | null;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  /** Index name -> e.g. `PRIMARY KEY USING btree (id)`, `UNIQUE USING btree (a, b)`, `INDEX USING btree (c DESC)`. */
  indexes: Record<string, string>;
  /** Constraint name -> definition, for everything but primary keys, unique constraints and NOT NULL (all covered above). */
  constraints: Record<string, string>;
  triggers: string[];
}

interface SchemaShape {
  tables: Record<string, TableShape>;
  /** Enum type name -> labels in order. */
  enums: Record<string, string[]>;
  /** Sequence name -> `OWNED BY table.column`, or `free-standing`. */
  sequences: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// The DMMF, from the prisma package's wasm build of prisma-schema (the same `get_dmmf` the CLI's
// bundled getDMMF calls). The wasm expects wasm-bindgen's JS glue; it imports only four functions,
// recognised here by name prefix because their suffix is a per-build hash. get_dmmf(ptr, len) takes
// the UTF-8 JSON `{ prismaSchema, noColor }` and returns [resultPtr, resultLen, errorRef, isError].

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc"; length?: number; operatorClass?: string }[];
}
interface DmmfEnum {
  name: string;
  dbName: string | null;
  values: { name: string; dbName: string | null }[];
}
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  types: unknown[];
  indexes: DmmfIndex[];
}

// The project's lib setting (ES2023, no DOM) has no WebAssembly typings: just what is used here.
interface WasmTable {
  grow(delta: number): number;
  get(index: number): unknown;
  set(index: number, value: unknown): void;
}
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: {
    Module: { new (bytes: Uint8Array): object; imports(module: object): { module: string; name: string }[] };
    Instance: new (module: object, imports: object) => { exports: Record<string, any> };
  };
};

function getDatamodel(schema: string): Datamodel {
  const require = createRequire(import.meta.url);
  const wasmPath = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "prisma_schema_build_bg.wasm");
  const module = new Wasm.Module(fs.readFileSync(wasmPath));
  let wasm: Record<string, any> = {};
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const text = (ptr: number, len: number) => decoder.decode(new Uint8Array(wasm.memory.buffer, ptr >>> 0, len));
  let panic = "";
  const glue: Record<string, (...args: number[]) => unknown> = {
    __wbg_Error_: (ptr, len) => new Error(text(ptr!, len!)),
    __wbg___wbindgen_throw_: (ptr, len) => {
      throw new Error(text(ptr!, len!));
    },
    __wbg_set_message_: (ptr, len) => void (panic = text(ptr!, len!)),
    __wbindgen_init_externref_table: () => {
      const table = wasm.__wbindgen_externrefs as WasmTable;
      const base = table.grow(4);
      table.set(0, undefined);
      [undefined, null, true, false].forEach((value, i) => table.set(base + i, value));
    },
  };
  const imports: Record<string, Record<string, (...args: number[]) => unknown>> = {};
  for (const { module: ns, name } of Wasm.Module.imports(module)) {
    const prefix = Object.keys(glue).find((p) => name.startsWith(p));
    if (!prefix) throw new Error(`${wasmPath} imports ${name}, which this test's glue does not provide (prisma upgraded?)`);
    (imports[ns] ??= {})[name] = glue[prefix]!;
  }
  wasm = new Wasm.Instance(module, imports).exports;
  wasm.__wbindgen_start();

  const input = new TextEncoder().encode(JSON.stringify({ prismaSchema: schema, noColor: true }));
  const ptr = wasm.__wbindgen_malloc(input.length, 1) >>> 0;
  new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
  let result: [number, number, number, number];
  try {
    result = wasm.get_dmmf(ptr, input.length);
  } catch (error) {
    throw new Error(`prisma-schema wasm crashed: ${panic || (error as Error).message}`);
  }
  const [outPtr, outLen, errorRef, isError] = result;
  if (isError) {
    const error = (wasm.__wbindgen_externrefs as WasmTable).get(errorRef) as Error;
    wasm.__externref_table_dealloc(errorRef);
    let message = error.message;
    try {
      message = (JSON.parse(message) as { message: string }).message;
    } catch {}
    throw new Error(`schema.prisma is invalid:\n${message}`);
  }
  try {
    return (JSON.parse(text(outPtr, outLen)) as { datamodel: Datamodel }).datamodel;
  } finally {
    wasm.__wbindgen_free(outPtr, outLen, 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Expected: the schema rendered the way Prisma Migrate renders it for PostgreSQL.

/** PostgreSQL's limit on identifier length, which Prisma's default constraint names respect. */
const MAX_IDENTIFIER = 63;

function truncateBytes(s: string, max: number): string {
  while (Buffer.byteLength(s) > max) s = s.slice(0, -1);
  return s;
}

/** Prisma's default constraint names (psl ConstraintNames): `{table}_pkey`, `{table}_{columns}_key|_idx|_fkey`. */
const defaultName = {
  primaryKey: (table: string) => truncateBytes(table, MAX_IDENTIFIER - 5) + "_pkey",
  index: (table: string, columns: string[], suffix: "_key" | "_idx" | "_fkey") =>
    truncateBytes(`${table}_${columns.join("_")}`, MAX_IDENTIFIER - suffix.length) + suffix,
};

/** Quotes an identifier the way format_type / regclass output does (reserved words aside). */
function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Column types without @db: what Prisma Migrate creates for each scalar on PostgreSQL. */
const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Boolean: "boolean",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

const args = (a: string[]) => (a.length ? `(${a.map((x) => x.trim()).join(",")})` : "");
/** @db.X(args) -> format_type() output. */
const NATIVE_TYPES: Record<string, (a: string[]) => string> = {
  Text: () => "text",
  Char: (a) => `character${args(a)}`,
  VarChar: (a) => `character varying${args(a)}`,
  Bit: (a) => `bit${args(a)}`,
  VarBit: (a) => `bit varying${args(a)}`,
  Uuid: () => "uuid",
  Xml: () => "xml",
  Inet: () => "inet",
  Citext: () => "citext",
  Boolean: () => "boolean",
  SmallInt: () => "smallint",
  Integer: () => "integer",
  BigInt: () => "bigint",
  Oid: () => "oid",
  Real: () => "real",
  DoublePrecision: () => "double precision",
  Decimal: (a) => `numeric${args(a)}`,
  Money: () => "money",
  Date: () => "date",
  Time: (a) => `time${args(a)} without time zone`,
  Timetz: (a) => `time${args(a)} with time zone`,
  Timestamp: (a) => `timestamp${args(a)} without time zone`,
  Timestamptz: (a) => `timestamp${args(a)} with time zone`,
  Json: () => "json",
  JsonB: () => "jsonb",
  ByteA: () => "bytea",
};

const INDEX_METHODS: Record<string, string> = { BTree: "btree", Hash: "hash", Gist: "gist", Gin: "gin", SpGist: "spgist", Brin: "brin" };
const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: "CASCADE",
  Restrict: "RESTRICT",
  NoAction: "NO ACTION",
  SetNull: "SET NULL",
  SetDefault: "SET DEFAULT",
};

/**
 * PostgreSQL prints a literal default as `'value'::type` when it is a string or negative number
 * (`'DATABASE'::creator_source`, `'-1'::integer`) and bare otherwise (`0`, `1.5`, `true`). Both
 * sides go through this: the cast is dropped (the column type is compared on its own), and so are
 * the quotes around a number.
 */
function canonicalDefault(expr: string | null): string | null {
  if (expr === null) return null;
  const literal = /^('(?:[^']|'')*')::[a-z_][\w ."]*(?:\(\d+(?:,\d+)?\))?(?:\[\])?$/i.exec(expr)?.[1] ?? expr;
  return /^'-?\d+(?:\.\d+)?'$/.test(literal) ? literal.slice(1, -1) : literal;
}

function unsupported(where: string, what: string): never {
  throw new Error(`schema-drift test: ${where} uses ${what}, which this test does not model yet; extend expectedFromSchema()`);
}

/**
 * `ops: raw("gin_trgm_ops")` (the DMMF gives the bare name) as the catalog query prints a non-default operator
 * class: ` gin_trgm_ops`. Prisma's named classes (`ops: JsonbPathOps`) are not modelled.
 */
function operatorClass(model: string, ops: string | undefined): string {
  if (ops === undefined) return "";
  return /^[a-z_][a-z0-9_]*$/.test(ops) ? ` ${ops}` : unsupported(`index on ${model}`, `ops: ${ops}`);
}

function expectedFromSchema(schema = fs.readFileSync(schemaPath, "utf8")): SchemaShape {
  const dm = getDatamodel(schema);
  if (dm.types.length) unsupported("the schema", "composite types");
  const enumDbName = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enumValue = (enumName: string, value: string) => {
    const v = dm.enums.find((e) => e.name === enumName)?.values.find((x) => x.name === value);
    return v?.dbName ?? v?.name ?? value;
  };
  const models = new Map(dm.models.map((m) => [m.name, m]));
  const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
  const columnOf = (m: DmmfModel, fieldName: string) => {
    const f = m.fields.find((x) => x.name === fieldName);
    if (!f) throw new Error(`DMMF: ${m.name} has no field ${fieldName}`);
    return f.dbName ?? f.name;
  };

  const shape: SchemaShape = { tables: {}, enums: {}, sequences: {} };
  for (const e of dm.enums) shape.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  for (const m of dm.models) {
    const where = `model ${m.name}`;
    if (m.schema) unsupported(where, "@@schema");
    const table = tableOf(m);
    const t: TableShape = { columns: {}, indexes: {}, constraints: {}, triggers: [] };
    shape.tables[table] = t;

    for (const f of m.fields) {
      const fw = `${where}.${f.name}`;
      if (f.kind === "object") {
        const from = f.relationFromFields ?? [];
        if (!from.length) continue; // the back-relation side has no column
        const target = models.get(f.type)!;
        const columns = from.map((x) => columnOf(m, x));
        const required = from.every((x) => m.fields.find((y) => y.name === x)!.isRequired);
        const onDelete = f.relationOnDelete ?? (required ? "Restrict" : "SetNull");
        const onUpdate = f.relationOnUpdate ?? "Cascade";
        // @relation(map: ...) is not in the DMMF: a custom name shows up as a name difference.
        t.constraints[defaultName.index(table, columns, "_fkey")] =
          `FOREIGN KEY (${columns.join(", ")}) REFERENCES ${tableOf(target)}(${(f.relationToFields ?? []).map((x) => columnOf(target, x)).join(", ")})` +
          ` ON DELETE ${REFERENTIAL_ACTIONS[onDelete]} ON UPDATE ${REFERENTIAL_ACTIONS[onUpdate]}`;
        continue;
      }
      if (f.kind === "unsupported") unsupported(fw, "Unsupported(...)");
      if (f.isList) unsupported(fw, "a list type");
      const column = f.dbName ?? f.name;
      let type: string;
      if (f.kind === "enum") type = quoteIdent(enumDbName.get(f.type)!);
      else if (f.nativeType) {
        const [name, nativeArgs] = f.nativeType;
        const render = NATIVE_TYPES[name] ?? unsupported(fw, `@db.${name}`);
        type = render(nativeArgs);
      } else type = SCALAR_TYPES[f.type] ?? unsupported(fw, `type ${f.type}`);

      let def: string | null = null;
      const d = f.default;
      if (!f.hasDefaultValue || d === undefined) def = null;
      else if (typeof d === "object" && d !== null && "name" in d) {
        const fn = d as { name: string; args: unknown[] };
        if (fn.name === "now") def = "CURRENT_TIMESTAMP";
        else if (fn.name === "autoincrement") {
          // SERIAL/BIGSERIAL: an owned sequence named by PostgreSQL as {table}_{column}_seq.
          const seq = `${table}_${column}_seq`;
          if (Buffer.byteLength(seq) > MAX_IDENTIFIER) unsupported(fw, "a serial column whose sequence name PostgreSQL would truncate");
          def = `nextval(${sqlString(quoteIdent(seq))}::regclass)`;
          shape.sequences[seq] = `OWNED BY ${table}.${column}`;
        } else if (fn.name === "dbgenerated" && typeof fn.args[0] === "string") def = fn.args[0]; // compared verbatim with pg_get_expr
        else if (["uuid", "cuid", "nanoid", "ulid"].includes(fn.name)) def = null; // generated by the client
        else unsupported(fw, `@default(${fn.name}(...))`);
      } else if (f.kind === "enum") def = sqlString(enumValue(f.type, String(d)));
      else if (f.type === "String") def = sqlString(String(d));
      else if (["Int", "BigInt", "Float", "Decimal", "Boolean"].includes(f.type) && ["number", "string", "boolean"].includes(typeof d)) def = String(d);
      else unsupported(fw, `a ${f.type} literal default`);

      t.columns[column] = { type, nullable: !f.isRequired, default: canonicalDefault(def) };
    }
  }

  for (const idx of dm.indexes) {
    const m = models.get(idx.model)!;
    const table = tableOf(m);
    const columns = idx.fields.map((x) => {
      if (x.length !== undefined) unsupported(`index on ${idx.model}`, "length(...)");
      return columnOf(m, x.name) + (x.sortOrder === "desc" ? " DESC" : "") + operatorClass(idx.model, x.operatorClass);
    });
    const bare = idx.fields.map((x) => columnOf(m, x.name));
    const method = idx.algorithm ? (INDEX_METHODS[idx.algorithm] ?? unsupported(`index on ${idx.model}`, `type: ${idx.algorithm}`)) : "btree";
    const [kind, name] =
      idx.type === "id"
        ? ["PRIMARY KEY", idx.dbName ?? defaultName.primaryKey(table)]
        : idx.type === "unique"
          ? ["UNIQUE", idx.dbName ?? defaultName.index(table, bare, "_key")]
          : idx.type === "normal"
            ? ["INDEX", idx.dbName ?? defaultName.index(table, bare, "_idx")]
            : unsupported(`index on ${idx.model}`, `an index of type ${idx.type}`);
    shape.tables[table]!.indexes[name] = `${kind} USING ${method} (${columns.join(", ")})`;
  }
  // Triggers schema.prisma cannot express, each created by a migration (and documented on its model).
  for (const [table, names] of Object.entries(MIGRATION_TRIGGERS)) shape.tables[table]?.triggers.push(...names);
  return shape;
}

/** trades_roll_up keeps trade_candles (migration 20261220130000_trade_candles). */
const MIGRATION_TRIGGERS: Record<string, string[]> = { trades: ["trades_roll_up"] };

// ---------------------------------------------------------------------------------------------
// Actual: read back from pg_catalog, in the current schema, ignoring Prisma's own bookkeeping table.

const MIGRATIONS_TABLE = "_prisma_migrations";

async function describeDatabase(s: SqlSession): Promise<SchemaShape> {
  const shape: SchemaShape = { tables: {}, enums: {}, sequences: {} };
  const table = (name: string) => (shape.tables[name] ??= { columns: {}, indexes: {}, constraints: {}, triggers: [] });

  // Relations other than plain tables (views, foreign tables...) count as extra tables, named by kind.
  const relations = await s.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS kind FROM pg_class c
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname <> $1`,
    [MIGRATIONS_TABLE],
  );
  for (const r of relations) table(r.kind === "r" || r.kind === "p" ? r.name : `${r.name} (relkind ${r.kind})`);

  const columns = await s.query<{ table: string; column: string; type: string; not_null: boolean; default: string | null; identity: string; generated: string }>(
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity::text AS identity, a.attgenerated::text AS generated
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> $1
       AND a.attnum > 0 AND NOT a.attisdropped`,
    [MIGRATIONS_TABLE],
  );
  for (const c of columns) {
    let def = canonicalDefault(c.default);
    if (c.identity) def = `GENERATED ${c.identity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`;
    if (c.generated) def = `GENERATED ALWAYS AS (${c.default}) STORED`;
    table(c.table).columns[c.column] = { type: c.type, nullable: !c.not_null, default: def };
  }

  // Key columns with their non-default options (DESC, NULLS, operator class), then INCLUDE columns.
  const indexes = await s.query<{ table: string; name: string; primary: boolean; unique: boolean; method: string; predicate: string | null; columns: string[] }>(
    `SELECT t.relname AS table, i.relname AS name, x.indisprimary AS primary, x.indisunique AS unique, am.amname AS method,
            pg_get_expr(x.indpred, x.indrelid) AS predicate,
            (SELECT json_agg(
                      CASE WHEN k.ord > x.indnkeyatts THEN 'INCLUDE ' ELSE '' END
                      || coalesce(a.attname::text, '(' || pg_get_indexdef(x.indexrelid, k.ord::int, true) || ')')
                      || CASE WHEN pg_index_column_has_property(x.indexrelid, k.ord::int, 'desc') THEN ' DESC' ELSE '' END
                      || CASE WHEN pg_index_column_has_property(x.indexrelid, k.ord::int, 'desc')
                                   <> pg_index_column_has_property(x.indexrelid, k.ord::int, 'nulls_first')
                              THEN CASE WHEN pg_index_column_has_property(x.indexrelid, k.ord::int, 'nulls_first') THEN ' NULLS FIRST' ELSE ' NULLS LAST' END
                              ELSE '' END
                      || CASE WHEN opc.opcdefault = false THEN ' ' || opc.opcname::text ELSE '' END
                      ORDER BY k.ord)
             FROM unnest(x.indkey::int2[], x.indclass::oid[]) WITH ORDINALITY AS k(attnum, opclass, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
             LEFT JOIN pg_opclass opc ON opc.oid = k.opclass) AS columns
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_am am ON am.oid = i.relam
     WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> $1`,
    [MIGRATIONS_TABLE],
  );
  for (const i of indexes) {
    const kind = i.primary ? "PRIMARY KEY" : i.unique ? "UNIQUE" : "INDEX";
    table(i.table).indexes[i.name] = `${kind} USING ${i.method} (${i.columns.join(", ")})${i.predicate ? ` WHERE ${i.predicate}` : ""}`;
  }

  // Primary keys and unique constraints are their indexes (above); NOT NULL is on the column.
  const constraints = await s.query<{ table: string; name: string; type: string; definition: string; columns: string[] | null; ref_table: string | null; ref_columns: string[] | null; on_delete: string; on_update: string }>(
    `SELECT t.relname AS table, con.conname AS name, con.contype::text AS type, pg_get_constraintdef(con.oid) AS definition,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
            r.relname AS ref_table,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns,
            con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update
     FROM pg_constraint con
     JOIN pg_class t ON t.oid = con.conrelid
     LEFT JOIN pg_class r ON r.oid = con.confrelid
     WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> $1 AND con.contype NOT IN ('p', 'u', 'n')`,
    [MIGRATIONS_TABLE],
  );
  const action: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };
  for (const c of constraints) {
    table(c.table).constraints[c.name] =
      c.type === "f"
        ? `FOREIGN KEY (${c.columns!.join(", ")}) REFERENCES ${c.ref_table}(${c.ref_columns!.join(", ")}) ON DELETE ${action[c.on_delete]} ON UPDATE ${action[c.on_update]}`
        : c.definition;
  }

  const triggers = await s.query<{ table: string; name: string }>(
    `SELECT t.relname AS table, tg.tgname AS name FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid
     WHERE t.relnamespace = current_schema()::regnamespace AND NOT tg.tgisinternal ORDER BY tg.tgname`,
  );
  for (const tg of triggers) table(tg.table).triggers.push(tg.name);

  const enums = await s.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, json_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
     WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname`,
  );
  for (const e of enums) shape.enums[e.name] = e.labels;

  const sequences = await s.query<{ name: string; owner: string | null }>(
    `SELECT s.relname AS name, t.relname || '.' || a.attname AS owner
     FROM pg_class s
     LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     LEFT JOIN pg_class t ON t.oid = d.refobjid
     LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE s.relnamespace = current_schema()::regnamespace AND s.relkind = 'S'`,
  );
  for (const q of sequences) shape.sequences[q.name] = q.owner ? `OWNED BY ${q.owner}` : "free-standing";
  return shape;
}

// ---------------------------------------------------------------------------------------------

/** Every difference between the expected and the actual schema, one readable line each. */
function diffSchemas(expected: SchemaShape, actual: SchemaShape): string[] {
  const out: string[] = [];
  const keys = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const compare = <T,>(what: string, a: Record<string, T>, b: Record<string, T>, inner?: (name: string, x: T, y: T) => void) => {
    for (const k of keys(a, b)) {
      if (!(k in b)) out.push(`${what} ${k}: missing from the database (expected ${show(a[k])})`);
      else if (!(k in a)) out.push(`${what} ${k}: in the database but not in schema.prisma (${show(b[k])})`);
      else if (inner) inner(k, a[k]!, b[k]!);
      else if (show(a[k]) !== show(b[k])) out.push(`${what} ${k}: expected ${show(a[k])}, database has ${show(b[k])}`);
    }
  };
  compare("enum", expected.enums, actual.enums);
  compare("sequence", expected.sequences, actual.sequences);
  compare("table", expected.tables, actual.tables, (t, a, b) => {
    const prefix = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${t}.${k}`, v]));
    compare("column", prefix(a.columns) as Record<string, ColumnShape>, prefix(b.columns) as Record<string, ColumnShape>, (c, x, y) => {
      if (x.type !== y.type) out.push(`column ${c}: type expected ${x.type}, database has ${y.type}`);
      if (x.nullable !== y.nullable) out.push(`column ${c}: expected ${x.nullable ? "NULL" : "NOT NULL"}, database has ${y.nullable ? "NULL" : "NOT NULL"}`);
      if (x.default !== y.default) out.push(`column ${c}: default expected ${x.default ?? "none"}, database has ${y.default ?? "none"}`);
    });
    compare("index", prefix(a.indexes) as Record<string, string>, prefix(b.indexes) as Record<string, string>);
    compare("constraint", prefix(a.constraints) as Record<string, string>, prefix(b.constraints) as Record<string, string>);
    compare("trigger", Object.fromEntries(a.triggers.map((x) => [`${t}.${x}`, x])), Object.fromEntries(b.triggers.map((x) => [`${t}.${x}`, x])));
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

describe("expectedFromSchema", () => {
  it("reports an invalid schema instead of expecting nothing", () => {
    expect(() => expectedFromSchema("model Broken {\n  id Int\n}\n")).toThrow(/schema.prisma is invalid/);
  });
});

describe.each(backends)("migrated schema on %s", (backend) => {
  let t: TestDatabase;
  let db: Database;
  const expected = expectedFromSchema();

  beforeEach(async () => {
    t = await createTestDatabase(backend);
    db = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
  });
  afterEach(async () => {
    await db.close();
    await t.drop();
  });

  it("matches schema.prisma exactly", async () => {
    const actual = await db.withSession(async (s) => {
      await migrate(s);
      return describeDatabase(s);
    });
    expect(diffSchemas(expected, actual)).toEqual([]);
  });

  it("also models what schema.prisma does not use yet (relations, literal defaults, sort order, index types)", async () => {
    // A fixture schema and the SQL Prisma Migrate writes for it, so that the unused paths of
    // expectedFromSchema()/describeDatabase() are proven to agree before the real schema needs them.
    const fixture = `
      datasource db {
        provider = "postgresql"
      }
      enum Kind {
        X @map("x_val")
        Y
        @@map("kind")
      }
      model A {
        id      Int      @id @default(autoincrement())
        m       Int      @default(-1)
        s       String   @default("it's")
        n       Decimal  @default(1.5)
        f       Float    @default(2.5)
        b       Boolean  @default(false)
        big     BigInt   @default(10)
        k       Kind     @default(X)
        created DateTime @default(now())
        u       String   @default(uuid())
        g       String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
        bs      B[]      @relation("required")
        opts    B[]      @relation("optional")
        @@unique([s], map: "custom_key")
        @@index([n(sort: Desc), m])
        @@map("a")
      }
      model B {
        x     Int
        y     Int
        aId   Int  @map("a_id")
        a     A    @relation("required", fields: [aId], references: [id])
        optId Int? @map("opt_id")
        opt   A?   @relation("optional", fields: [optId], references: [id], onDelete: Cascade)
        @@id([x, y], map: "bpk")
        @@index([aId], type: Hash)
        @@map("b")
      }`;
    const sql = `
      CREATE TYPE "kind" AS ENUM ('x_val', 'Y');
      CREATE TABLE "a" (
          "id" SERIAL NOT NULL,
          "m" INTEGER NOT NULL DEFAULT -1,
          "s" TEXT NOT NULL DEFAULT 'it''s',
          "n" DECIMAL(65,30) NOT NULL DEFAULT 1.5,
          "f" DOUBLE PRECISION NOT NULL DEFAULT 2.5,
          "b" BOOLEAN NOT NULL DEFAULT false,
          "big" BIGINT NOT NULL DEFAULT 10,
          "k" "kind" NOT NULL DEFAULT 'x_val',
          "created" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
          "u" TEXT NOT NULL,
          "g" UUID NOT NULL DEFAULT gen_random_uuid(),
          CONSTRAINT "a_pkey" PRIMARY KEY ("id")
      );
      CREATE TABLE "b" (
          "x" INTEGER NOT NULL,
          "y" INTEGER NOT NULL,
          "a_id" INTEGER NOT NULL,
          "opt_id" INTEGER,
          CONSTRAINT "bpk" PRIMARY KEY ("x","y")
      );
      CREATE UNIQUE INDEX "custom_key" ON "a"("s");
      CREATE INDEX "a_n_m_idx" ON "a"("n" DESC, "m");
      CREATE INDEX "b_a_id_idx" ON "b" USING HASH ("a_id");
      ALTER TABLE "b" ADD CONSTRAINT "b_a_id_fkey" FOREIGN KEY ("a_id") REFERENCES "a"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
      ALTER TABLE "b" ADD CONSTRAINT "b_opt_id_fkey" FOREIGN KEY ("opt_id") REFERENCES "a"("id") ON DELETE CASCADE ON UPDATE CASCADE;`;
    const actual = await db.withSession(async (s) => {
      await migrate(s, [{ name: "00000000000000_fixture", sql, checksum: "0".repeat(64) }]);
      return describeDatabase(s);
    });
    const fromFixture = expectedFromSchema(fixture);
    expect(diffSchemas(fromFixture, actual)).toEqual([]);
    expect(fromFixture.tables.b!.constraints.b_opt_id_fkey).toBe("FOREIGN KEY (opt_id) REFERENCES a(id) ON DELETE CASCADE ON UPDATE CASCADE");
    expect(fromFixture.tables.a!.columns.m!.default).toBe("-1");
  });

  it("reports drift in every kind of object", async () => {
    const actual = await db.withSession(async (s) => {
      await migrate(s);
      for (const statement of [
        `ALTER TABLE tokens ALTER COLUMN creator TYPE text`,
        `ALTER TABLE creators ALTER COLUMN last_scanned_at SET NOT NULL`,
        `ALTER TABLE sync_runs ALTER COLUMN synced DROP DEFAULT`,
        `ALTER TABLE sync_state ADD COLUMN extra integer`,
        `ALTER TYPE run_outcome ADD VALUE 'CANCELLED' BEFORE 'FAILED'`,
        `DROP INDEX tokens_name_idx`,
        `CREATE INDEX tokens_name_idx ON tokens (name)`,
        `DROP INDEX tokens_status_idx`,
        `DROP INDEX sync_runs_contract_id_started_at_idx`,
        `CREATE INDEX sync_runs_contract_id_started_at_idx ON sync_runs (started_at, contract_id)`,
        `CREATE TABLE stray (id integer)`,
      ]) {
        await s.exec(statement);
      }
      return describeDatabase(s);
    });
    expect(diffSchemas(expected, actual)).toEqual([
      `enum run_outcome: expected ["RUNNING","SUCCEEDED","PARTIAL","FAILED"], database has ["RUNNING","SUCCEEDED","PARTIAL","CANCELLED","FAILED"]`,
      `column creators.last_scanned_at: expected NULL, database has NOT NULL`,
      `table stray: in the database but not in schema.prisma ({"columns":{"id":{"type":"integer","nullable":true,"default":null}},"indexes":{},"constraints":{},"triggers":[]})`,
      `column sync_runs.synced: default expected 0, database has none`,
      `index sync_runs.sync_runs_contract_id_started_at_idx: expected INDEX USING btree (contract_id, started_at), database has INDEX USING btree (started_at, contract_id)`,
      `column sync_state.extra: in the database but not in schema.prisma ({"type":"integer","nullable":true,"default":null})`,
      `column tokens.creator: type expected character varying(56), database has text`,
      `index tokens.tokens_name_idx: expected INDEX USING gin (name gin_trgm_ops), database has INDEX USING btree (name)`,
      `index tokens.tokens_status_idx: missing from the database (expected INDEX USING btree (status))`,
    ]);
  });
});
