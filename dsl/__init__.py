"""The policy language: text → Lark tree → typed AST (`parse`) → merged (`load`) → checked model (`check`)."""
