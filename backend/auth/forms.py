"""The login form: FastAPI's OAuth2 password form (Swagger's "Authorize" keeps working) with
bounded fields, so a NUL in the name is a 422, never a query, and no password is unbounded."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import StringConstraints

from backend.fields import LoginName

_ShortText = Annotated[str, StringConstraints(max_length=1024)]
# as in users/schemas.py: the policy is the service's, this keeps absurd bodies from the hasher
_Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginForm(OAuth2PasswordRequestForm):
    """`username` is the username or the email; the OAuth2 extras are accepted and unused."""

    def __init__(
        self,
        *,
        username: Annotated[LoginName, Form()],
        password: Annotated[_Password, Form(json_schema_extra={"format": "password"})],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[_ShortText, Form()] = "",
        client_id: Annotated[_ShortText | None, Form()] = None,
        client_secret: Annotated[
            _ShortText | None, Form(json_schema_extra={"format": "password"})
        ] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
