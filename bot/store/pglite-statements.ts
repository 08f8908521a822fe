// Named prepared statements for PGlite, through its public wire-protocol
// entry point. PGlite's own query() parses, describes and plans a statement on
// every call, in five separate trips into WebAssembly; the store runs the same
// few dozen statements all day, so each is parsed and planned once and then
// runs as one Bind/Describe/Execute/Sync message (measured here: a primary-key
// read 240 → 70 µs, a one-row update 280 → 90 µs). Parameters are serialized
// and rows parsed with PGlite's own serializers and parsers, so results are
// exactly what query() returns.
import type { PGlite } from '@electric-sql/pglite';

type PgliteNamespace = typeof import('@electric-sql/pglite');

interface Prepared {
  name: string;
  paramTypes: number[];
}

// Dynamic texts (a VALUES list of varying length) would fill the cache with
// one-off statements; past this many, new texts run as the unnamed statement,
// which the next one replaces.
const MAX_PREPARED = 500;

export class PgliteStatements {
  private readonly prepared = new Map<string, Prepared>();
  private counter = 0;

  constructor(private readonly db: PGlite, private readonly ns: Pick<PgliteNamespace, 'parse' | 'protocol'>) {}

  /** Runs one statement; the caller holds the connection exclusively. */
  async run<T>(sql: string, params: unknown[], syncToFs: boolean): Promise<T[]> {
    let statement = this.prepared.get(sql);
    if (!statement) {
      if (this.prepared.size >= MAX_PREPARED) return this.execute<T>(await this.parse('', sql), params, syncToFs);
      statement = await this.parse(`rd_${(this.counter += 1)}`, sql);
      this.prepared.set(sql, statement);
    }
    try {
      return await this.execute<T>(statement, params, syncToFs);
    } catch (err) {
      // A plan whose result shape changed under it (a migration after it was prepared): prepare it again once.
      if ((err as { code?: string }).code !== '0A000') throw err;
      await this.forget(sql, statement);
      const again = await this.parse(statement.name, sql);
      this.prepared.set(sql, again);
      return this.execute<T>(again, params, syncToFs);
    }
  }

  private async parse(name: string, sql: string): Promise<Prepared> {
    const { serialize } = this.ns.protocol;
    const { messages } = await this.db.execProtocol(concat([serialize.parse({ name, text: sql, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]), { syncToFs: false });
    return { name, paramTypes: this.ns.parse.parseDescribeStatementResults(messages) };
  }

  private async forget(sql: string, statement: Prepared): Promise<void> {
    this.prepared.delete(sql);
    const { serialize } = this.ns.protocol;
    await this.db.execProtocol(concat([serialize.close({ type: 'S', name: statement.name }), serialize.sync()]), { syncToFs: false });
  }

  private async execute<T>(statement: Prepared, params: unknown[], syncToFs: boolean): Promise<T[]> {
    if (params.length !== statement.paramTypes.length) {
      throw new Error(`statement expects ${statement.paramTypes.length} parameters, got ${params.length}`);
    }
    const { serialize } = this.ns.protocol;
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = this.db.serializers[statement.paramTypes[i]!];
      return serializer ? serializer(param) : String(param);
    });
    const { messages } = await this.db.execProtocol(
      concat([serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P', name: '' }), serialize.execute({}), serialize.sync()]),
      { syncToFs },
    );
    return this.ns.parse.parseResults(messages, this.db.parsers)[0]!.rows as T[];
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
