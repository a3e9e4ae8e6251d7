"""`policylab lsp`: a language server for .policy files (pygls, on stdio).

analysis: a document checked as the editor holds it; diagnostics: the checker's as the editor's;
server: the server and its features; the features by job in the modules beside it.
"""
