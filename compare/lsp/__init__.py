"""`policylab lsp`: a language server for .policy files (pygls, on stdio).

analysis: a document checked as the editor holds it; diagnostics: the checker's as the editor's;
server: the server and the documents' state; features: the requests, each answered by its module
(symbols and navigate: hover and definition; complete; outline; formatting; codelens).
"""
