-- Drives `gpuvm-lens lsp --stdio` from Neovim's built-in LSP client (0.7+),
-- headless: opens GPUVM_FILE, waits (polling with a deadline) for the
-- server's diagnostics, asks for a hover at GPUVM_HOVER_LINE, writes what it
-- saw as JSON to GPUVM_OUT and quits. Used by test/lsp/neovim.test.ts.
local file = vim.env.GPUVM_FILE
local out = vim.env.GPUVM_OUT
local hover_line = tonumber(vim.env.GPUVM_HOVER_LINE or '0')

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()

local client_id = vim.lsp.start_client({
  name = 'gpuvm-lens',
  cmd = { 'node', vim.env.GPUVM_CLI, 'lsp', '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
vim.lsp.buf_attach_client(bufnr, client_id)

local result = { attached = client_id ~= nil }
result.got_diagnostics = vim.wait(30000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 20)

local rows = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  local lsp = (d.user_data and d.user_data.lsp) or {}
  table.insert(rows, { line = d.lnum, code = lsp.code or d.code, source = d.source, severity = d.severity, message = d.message })
end
table.sort(rows, function(a, b) return a.line < b.line end)
result.diagnostics = rows

local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  position = { line = hover_line, character = 20 },
}, 10000)
result.hover = ''
for _, response in pairs(hover or {}) do
  if response.result and response.result.contents then
    result.hover = response.result.contents.value or ''
  end
end

vim.fn.writefile({ vim.fn.json_encode(result) }, out)
vim.lsp.stop_client(client_id)
vim.cmd('qa!')
