// Discovery strategies 2 and 3: a creator's on-chain token list. The same read serves creators the
// database knows (storage) and creators a person names (manual); the caller tells them apart.
import type { FactoryReader } from "../contract/factory.ts";

export interface CreatorScan {
  /** token -> creator, for every token the scanned creators launched. */
  tokens: Map<string, string>;
  scanned: string[];
  failed: Map<string, Error>;
}

export async function scanCreators(reader: FactoryReader, creators: string[]): Promise<CreatorScan> {
  const scan: CreatorScan = { tokens: new Map(), scanned: [], failed: new Map() };
  if (creators.length === 0) return scan;
  const lists = await reader.readCreatorTokens(creators);
  for (const [creator, list] of lists) {
    if (list instanceof Error) {
      scan.failed.set(creator, list);
      continue;
    }
    scan.scanned.push(creator);
    for (const token of list) scan.tokens.set(token, creator);
  }
  return scan;
}
