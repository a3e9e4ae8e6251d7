// A smoke test of the client against the server, outside VS Code: extension.js is activated with
// stand-ins for the `vscode` API and for LanguageClient (which need a running VS Code), the server
// options it passes are spawned as VS Code would spawn them, and a policy with an error is opened
// over LSP: the server must answer `initialize` and publish a diagnostic.
//
//     npm install && node test/smoke.js        (policylab[lsp] installed, `policylab` on PATH)
"use strict";

const Module = require("module");
const path = require("path");
const { spawn } = require("child_process");

let started;
const stubs = {
  vscode: {
    workspace: { getConfiguration: () => ({ get: (_key, fallback) => fallback }) },
    window: { showErrorMessage: (message) => console.error(message) },
  },
  "vscode-languageclient/node": {
    LanguageClient: class {
      constructor(id, name, serverOptions, clientOptions) {
        started = { serverOptions, clientOptions };
      }
      start() { return Promise.resolve(); }
      stop() { return Promise.resolve(); }
    },
  },
};
const load = Module._load;
Module._load = function (request, ...rest) {
  return request in stubs ? stubs[request] : load.call(this, request, ...rest);
};
const rpc = require("vscode-jsonrpc/node");

async function main() {
  const extension = require(path.join(__dirname, "..", "extension.js"));
  await extension.activate({ subscriptions: [] });
  const { command, args } = started.serverOptions;
  const selector = started.clientOptions.documentSelector.map((s) => s.language);
  if (!selector.includes("policy")) throw new Error(`the client does not select policy files: ${selector}`);

  const server = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const diagnostics = new Promise((resolve) => {
    connection.onNotification("textDocument/publishDiagnostics", (params) => {
      if (params.diagnostics.length) resolve(params);
    });
  });
  connection.listen();
  const init = await connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  connection.sendNotification("initialized", {});
  const uri = "file://" + path.join(require("os").tmpdir(), "smoke.policy");
  connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "policy", version: 1, text: "clause c { value ; }\n" },
  });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no diagnostic in 20 s")), 20000));
  const got = await Promise.race([diagnostics, timeout]);
  console.log(`started: ${command} ${args.join(" ")}`);
  console.log(`server capabilities: ${Object.keys(init.capabilities).sort().join(", ")}`);
  for (const d of got.diagnostics) {
    console.log(`diagnostic ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code || ""} ${d.message}`);
  }
  await connection.sendRequest("shutdown");
  connection.sendNotification("exit");
  connection.dispose();
}

main().then(() => process.exit(0), (error) => { console.error(`smoke test failed: ${error.message}`); process.exit(1); });
