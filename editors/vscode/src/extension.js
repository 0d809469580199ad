// The Ramp extension: starts `ramp lsp` for .ramp files, so VS Code shows
// Ramp's own diagnostics, hovers, completions and formatting.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("ramp").get("path", "ramp");
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "ramp",
    "Ramp",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "ramp" }, { scheme: "untitled", language: "ramp" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
