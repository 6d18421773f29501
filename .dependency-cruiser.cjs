// The dependency rule (docs/architecture.md): no cycles, and imports only point down the layers.
// Layers, top to bottom: bin · server · live/webhooks/history · sync · discovery/store · contract/rpc · config/internal.
// src/index.ts and src/api.ts (the package's entry) and src/paths.ts (the package root, found from its own place)
// stand outside the layers. src/client/ (the typed client of the REST API) stands apart: it imports only its own
// generated types and src/internal/.
const LAYERS = [
  ["src/bin/"],
  ["src/server/"],
  ["src/live/", "src/webhooks/", "src/history/"],
  ["src/sync/"],
  ["src/discovery/", "src/store/"],
  ["src/contract/", "src/rpc/"],
  ["src/config/", "src/internal/"],
];

const escape = (p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const any = (paths) => `^(${paths.map(escape).join("|")})`;

// A layer may not import any layer above it.
const upward = LAYERS.slice(1).map((layer, i) => ({
  name: `no-upward-from-${layer[0].split("/")[1]}`,
  severity: "error",
  comment: `${layer.join(", ")} may not import a layer above it`,
  from: { path: any(layer) },
  to: { path: any(LAYERS.slice(0, i + 1).flat()) },
}));

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "import cycles", from: {}, to: { circular: true } },
    ...upward,
    {
      name: "client-stands-alone",
      severity: "error",
      comment: "src/client/ (the front end's typed client) imports its generated types and src/internal/ only, never the server",
      from: { path: "^src/client/" },
      to: { path: "^src/", pathNot: "^src/(client|internal)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js"] },
  },
};
