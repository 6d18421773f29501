// What one GraphQL request may cost, checked before anything runs: depth, aliases, directives, tokens and a cost
// estimate (graphql-armor), and the rows of every list field added up (at most one page, MAX_PAGE_SIZE), so that
// aliases or fragments cannot make one request scan the table twice. Introspection can be turned off.
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError, GraphQLInt, Kind, NoSchemaIntrospectionCustomRule, getOperationAST, valueFromAST } from "graphql";
import type { DocumentNode, FragmentDefinitionNode, SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../../store/token-queries.ts";

const GRAPHQL_LIMITS = {
  /** Nesting of fields: the schema's deepest useful query (status.lastRuns.found.events) is 4. */
  maxDepth: 6,
  maxAliases: 10,
  maxDirectives: 10,
  /** Lexical tokens of the document. */
  maxTokens: 1000,
  /** graphql-armor's estimate (fields weighted by depth). */
  maxCost: 5000,
  /** Rows of every list field of one request together. */
  maxListRows: MAX_PAGE_SIZE,
} as const;

/** Root query fields that read a page of rows, with the argument that sizes it. Trades and candles join here. */
const LIST_FIELDS: Record<string, { sizeArg: string; defaultSize: number }> = {
  tokens: { sizeArg: "first", defaultSize: DEFAULT_PAGE_SIZE },
};

export function limitPlugins(options: { introspection: boolean }): Plugin[] {
  const plugins: Plugin[] = [
    EnvelopArmorPlugin({
      maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: false, flattenFragments: true },
      maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
      maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
      maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
      costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
      // Without introspection, "did you mean ...?" would leak the schema all the same.
      blockFieldSuggestion: { enabled: !options.introspection },
    }) as Plugin,
    {
      onExecute({ args, setResultAndStopExecution }) {
        const rows = listRows(args.document, args.operationName ?? undefined, args.variableValues ?? {});
        if (rows > GRAPHQL_LIMITS.maxListRows) {
          const message = `this request asks for ${rows} list rows: at most ${GRAPHQL_LIMITS.maxListRows} per request; read further pages with after`;
          setResultAndStopExecution({ errors: [new GraphQLError(message, { extensions: { code: "bad_request" } })] });
        }
      },
    },
  ];
  if (!options.introspection) {
    plugins.push({ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) });
  }
  return plugins;
}

/** The rows the operation's list fields ask for, each alias and fragment use counted (@skip/@include ignored). */
function listRows(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation !== "query") return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const walk = (set: SelectionSetNode, seen: Set<string>): number => {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const list = LIST_FIELDS[s.name.value];
        if (!list) continue;
        const arg = s.arguments?.find((a) => a.name.value === list.sizeArg);
        const size = arg ? valueFromAST(arg.value, GraphQLInt, variables) : undefined;
        total += typeof size === "number" ? Math.max(0, size) : list.defaultSize;
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        total += walk(s.selectionSet, seen);
      } else {
        const fragment = fragments.get(s.name.value);
        // Validation has refused cycles already; `seen` only keeps a bad document from looping here.
        if (fragment && !seen.has(fragment.name.value)) total += walk(fragment.selectionSet, new Set([...seen, fragment.name.value]));
      }
    }
    return total;
  };
  return walk(operation.selectionSet, new Set());
}
