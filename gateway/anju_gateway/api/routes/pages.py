"""What the server-rendered pages (daily report, analytics) share: the session or the way to
the login, the page's language, who is looking, the scope in words, and logging out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, status
from starlette.responses import RedirectResponse

from anju_gateway.api.deps import ClockDep, DbDep, current_user
from anju_gateway.api.routes.auth import end_session
from anju_gateway.store import Database
from anju_gateway.store.compounds import display_names, precinct_name
from anju_gateway.store.users import Role, User
from anju_gateway.web.pages import Viewer
from anju_gateway.web.words import WORDS, Lang

router = APIRouter(tags=["pages"])

# ?lang=en for English; zh-CN otherwise (web/console/pages.js follows the console's choice).
LangQuery = Annotated[str | None, Query(max_length=8, description="zh (default) or en")]


def page_user(request: Request, db: DbDep, clock: ClockDep) -> User | None:
    """The console session, or None so a page can send the browser to the login."""
    try:
        return current_user(request, db, clock)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            return None
        raise


def to_login(request: Request) -> RedirectResponse:
    """To the console's login, which comes back to this page afterwards: its path and query
    (the day, the filters, the language), encoded so the query survives as one ``next``."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/?next={quote(here, safe='/')}", status_code=303)


def viewer(user: User) -> Viewer:
    return Viewer(name=user.display_name or user.username, role=user.role.value)


def scope_label(user: User, db: Database, lang: Lang) -> str:
    """The caller's scope by name: 小区 幸福里, 派出所 城南派出所, 全部小区."""
    w = WORDS[lang]
    if user.role is Role.property_manager and user.compound_id:
        name = display_names(db.conn()).get(user.compound_id, user.compound_id)
        return w["scope_compound"].format(name=name)
    if user.precinct_id and user.role is not Role.admin:
        name = precinct_name(db.conn(), precinct_id=user.precinct_id)
        return w["scope_precinct"].format(name=name)
    return w["scope_all"]


@router.post("/logout", include_in_schema=False)
def logout_page(request: Request, db: DbDep) -> RedirectResponse:
    """The pages' 退出 button (a form, no script): end the session, back to the login."""
    answer = RedirectResponse("/", status_code=303)
    end_session(request, answer, db)
    return answer
