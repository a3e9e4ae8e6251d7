// The scopes vscode-textmate (VS Code's own tokenizer, on Oniguruma) gives each character of the files named,
// for tests/test_textmate.py to compare with its Python subset of TextMate:
//     node test/scopes.js GRAMMAR FILE...   ->  {"FILE": [innermost scope, or null, per UTF-16 unit]}
// (null at each line break, and where only the grammar's own scope applies).
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");
const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm")).buffer;
const [grammarPath, ...files] = process.argv.slice(2);
(async () => {
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  const grammar = await registry.loadGrammar("source.policy");
  const out = {};
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    let stack = vsctm.INITIAL;
    const chars = [];
    const lines = text.split("\n");
    lines.forEach((line, n) => {
      const result = grammar.tokenizeLine(line, stack);
      const row = new Array(line.length).fill(null);
      for (const token of result.tokens) {
        const scope = token.scopes[token.scopes.length - 1];
        for (let i = token.startIndex; i < Math.min(token.endIndex, line.length); i++) {
          row[i] = scope === "source.policy" ? null : scope;
        }
      }
      chars.push(...row);
      if (n < lines.length - 1) chars.push(null);
      stack = result.ruleStack;
    });
    out[file] = chars;
  }
  console.log(JSON.stringify(out));
})();
