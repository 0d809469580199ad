-- Drives `ramp lsp` through Neovim's built-in LSP client (0.7 and later) and
-- writes what the client saw as JSON: test_editors.py reads it.
-- $RAMP is the binary, $RAMP_LSP_FILE the file to open, $RAMP_LSP_OUT the output.
local ramp, file, out = os.getenv("RAMP"), os.getenv("RAMP_LSP_FILE"), os.getenv("RAMP_LSP_OUT")
local result = { errors = {} }

local function finish()
  vim.fn.writefile({ vim.fn.json_encode(result) }, out)
  vim.cmd("qa!")
end

-- Any Lua error is recorded and ends the run, so Neovim never waits for input.
local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "ramp",
    cmd = { ramp, "lsp" },
    root_dir = vim.fn.fnamemodify(file, ":h"),
  })
  if not client_id then error("the client did not start") end
  vim.lsp.buf_attach_client(buf, client_id)

  -- Diagnostics arrive after didOpen.
  vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  result.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(result.diagnostics, {
      line = d.lnum, col = d.col, message = d.message, severity = d.severity, code = d.code or lsp.code,
    })
  end

  local client = vim.lsp.get_client_by_id(client_id)
  local function request(method, line, character, extra)
    local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = line, character = character } }
    for k, v in pairs(extra or {}) do params[k] = v end
    local response, err = client.request_sync(method, params, 5000, buf)
    if err then table.insert(result.errors, method .. ": " .. tostring(err)) end
    return response and response.result or vim.NIL
  end

  local positions = vim.fn.json_decode(os.getenv("RAMP_LSP_POSITIONS"))
  result.hover = request("textDocument/hover", positions.hover[1], positions.hover[2])
  result.completion = request("textDocument/completion", positions.completion[1], positions.completion[2])
  result.definition = request("textDocument/definition", positions.definition[1], positions.definition[2])
  result.capabilities = client.server_capabilities or client.resolved_capabilities

  client.stop()
  vim.wait(5000, function() return client.is_stopped() end, 20)
  result.stopped = client.is_stopped()
end)
if not ok then table.insert(result.errors, tostring(err)) end
finish()
