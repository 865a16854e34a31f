"""Datasette plugin: check every extracted value against its page.

Loaded by Datasette through the `datasette` entry point in pyproject.toml (installed with the
project; `datasette plugins` lists it as councilplans_review). It adds, on Datasette's own hooks:

- register_routes:
  /-/review                                   every database's documents, with what to review
  /-/review/<db>/<sha256>                     a document: flagged values first, each with its
                                              `councilplans correct` command, then every page
                                              with the boxes of its actions, tasks and KPI cells
  /-/review/<db>/<sha256>/<page>              one page; ?action=<action_id>, ?value=<value id>
                                              or ?kpi=<name>[&column=<label>] highlight a row
  /-/review/<db>/<sha256>/<page>.png          the page image (pypdfium2, rendered once, cached)
  /-/review/<db>/action/<action_id>           redirect to that action's page, highlighted
  /-/review/<db>/report                       RAG counts and slipped deadlines (councilplans.report)
- render_cell: the page of each v_actions / v_measures / actions row links to it on its page,
  and a document's sha256 to its review;
- menu_links: "Review pages".

Settings (metadata `plugins: councilplans-review:`, top level or per database):
`page_cache` (folder of rendered pages; default `cache/pages` beside the database file) and
`pdf_dirs` (more folders to look for PDFs in, by file name; the server's working directory,
the database's folder and its parent are always looked in).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Forbidden, NotFound, Response
from markupsafe import Markup, escape

from . import data
from .pages import PageCache, Source, locate, page_size

PLUGIN = "councilplans-review"


def settings(datasette, database: str) -> tuple[PageCache, list[Path]]:
    """The page cache and the folders PDFs are looked for in, for one database."""
    config = datasette.plugin_config(PLUGIN, database=database) or {}
    db = datasette.get_database(database)
    db_dir = Path(db.path).resolve().parent if db.path else Path.cwd()
    cache = Path(config.get("page_cache") or db_dir / "cache" / "pages")
    folders = [Path.cwd(), db_dir, db_dir.parent] + [Path(p).resolve() for p in config.get("pdf_dirs", [])]
    return PageCache(cache), folders


def database_url(datasette, database: str) -> str:
    db = datasette.get_database(database)
    return f"sqlite:///{Path(db.path).resolve()}" if db.path else "sqlite:///data/councilplans.db"


def review_path(datasette, database: str, *parts, **query) -> str:
    path = "/".join([f"/-/review/{tilde_encode(database)}", *(str(p) for p in parts)])
    query = {k: v for k, v in query.items() if v is not None}
    return datasette.urls.path(path) + (f"?{urlencode(query)}" if query else "")


async def open_database(datasette, request, database: str):
    """The database a URL names, once the actor may view it."""
    name = tilde_decode(database)
    if name not in datasette.databases:
        raise NotFound(f"no database {name!r}")
    await datasette.ensure_permissions(request.actor, [("view-database", name), "view-instance"])
    return name, datasette.get_database(name)


async def find_document(db, sha256: str) -> dict:
    rows = (await db.execute(data.DOCUMENT, {"sha": sha256})).rows
    if not rows:
        raise NotFound(f"no document with sha256 {sha256} in this database")
    return dict(rows[0])


async def document_source(datasette, name: str, db, doc: dict) -> tuple[PageCache, Source, dict]:
    """Where the document's PDF is (or that it is gone), and its page sizes."""
    cache, folders = settings(datasette, name)
    paths = [r["path"] for r in (await db.execute(data.DOCUMENT_PATHS, {"id": doc["id"]})).rows]
    source = await asyncio.to_thread(locate, doc["sha256"], paths, folders)
    sizes = await asyncio.to_thread(cache.sizes, doc["sha256"], source)
    return cache, source, sizes


async def document_boxes(db, doc_id: int, page: int | None = None) -> list[data.Box]:
    where, params = ("", {"id": doc_id}) if page is None else ("AND p.page = :page", {"id": doc_id, "page": page})
    actions = (await db.execute(data.ACTION_BOXES.format(page=where), params)).rows
    kpi_where = "" if page is None else "AND COALESCE(mv.page, m.page) = :page"
    kpis = (await db.execute(data.KPI_BOXES.format(page=kpi_where), params)).rows
    return data.action_boxes(actions) + data.kpi_boxes(kpis)


async def document_flags(datasette, name: str, db, doc: dict) -> list[data.Flag]:
    rows = (await db.execute(data.FLAGGED, {"id": doc["id"]})).rows
    if not rows:
        return []
    corrections = (await db.execute(data.CORRECTIONS, {"sha": doc["sha256"]})).rows
    pages = (await db.execute(data.PROVENANCE_PAGES, {"id": doc["id"]})).rows
    return data.flags_of(rows, corrections, pages, database_url(datasette, name))


def page_context(datasette, name: str, doc: dict, number: int, boxes: list[data.Box], sizes: dict,
                 cache: PageCache, source: Source) -> dict:
    """One page as the templates draw it: image (or a blank), size, boxes in percent of the page."""
    (width, height), known = page_size(sizes, number, boxes)
    has_image = cache.has_image(doc["sha256"], number) or source.present
    return {
        "number": number, "width": width, "height": height, "size_known": known,
        "image_url": review_path(datasette, name, doc["sha256"], f"{number}.png") if has_image else None,
        "url": review_path(datasette, name, doc["sha256"], number),
        "boxes": [{"box": b, "style": "left:{left:.4f}%;top:{top:.4f}%;width:{width:.4f}%;height:{height:.4f}%".format(
                       **b.percent(width, height)),
                   "href": review_path(datasette, name, doc["sha256"], number,
                                       **({"action": b.id} if b.kind == "action" else {"value": b.id}))}
                  for b in boxes],
    }


def legend(boxes: list[data.Box]) -> list[tuple[str, str]]:
    present = {b.field for b in boxes}
    return [(field, colour) for field, colour in data.COLOURS.items() if field in present] + \
           [(field, data.OTHER_COLOUR) for field in sorted(present - data.COLOURS.keys())]


async def index_view(request, datasette):
    databases = []
    for name, db in datasette.databases.items():
        if name.startswith("_") or "documents" not in await db.table_names():
            continue
        try:
            await datasette.ensure_permissions(request.actor, [("view-database", name), "view-instance"])
        except Forbidden:  # leave out what this actor may not see
            continue
        documents = []
        for row in (await db.execute(data.DOCUMENTS)).rows:
            doc = dict(row)
            doc["flags"] = len(await document_flags(datasette, name, db, doc))
            _, source, _ = await document_source(datasette, name, db, doc)
            doc["source"] = source
            doc["url"] = review_path(datasette, name, doc["sha256"])
            documents.append(doc)
        databases.append({"name": name, "documents": documents, "report_url": review_path(datasette, name, "report")})
    return Response.html(await datasette.render_template(
        "review_index.html", {"databases": databases}, request=request))


async def document_view(request, datasette):
    name, db = await open_database(datasette, request, request.url_vars["database"])
    doc = await find_document(db, request.url_vars["sha256"])
    cache, source, sizes = await document_source(datasette, name, db, doc)
    boxes = await document_boxes(db, doc["id"])
    by_page: dict[int, list] = {}
    for b in boxes:
        by_page.setdefault(b.page, []).append(b)
    count = max([doc["page_count"] or 0, *by_page])
    pages = [page_context(datasette, name, doc, n, by_page.get(n, []), sizes, cache, source) for n in range(1, count + 1)]
    flags = await document_flags(datasette, name, db, doc)
    return Response.html(await datasette.render_template("review_document.html", {
        "database": name, "doc": doc, "source": source, "pages": pages, "legend": legend(boxes),
        "flags": [{"flag": f, "url": review_path(datasette, name, doc["sha256"], f.page or 1, action=f.action_id)}
                  for f in flags],
        "index_url": datasette.urls.path("/-/review"), "database_url": datasette.urls.database(name),
        "single": False,
    }, request=request))


def int_arg(request, key: str) -> int | None:
    value = request.args.get(key)
    return int(value) if value and value.isdigit() else None


async def page_view(request, datasette):
    name, db = await open_database(datasette, request, request.url_vars["database"])
    doc = await find_document(db, request.url_vars["sha256"])
    number = int(request.url_vars["page"])
    if not 1 <= number <= max(doc["page_count"] or 1, 1):
        raise NotFound(f"{doc['file_name']} has {doc['page_count']} pages")
    cache, source, sizes = await document_source(datasette, name, db, doc)
    boxes = await document_boxes(db, doc["id"], number)
    highlighted = data.mark_highlights(boxes, action=int_arg(request, "action"), value=int_arg(request, "value"),
                                       kpi=request.args.get("kpi"), column=request.args.get("column"))
    page = page_context(datasette, name, doc, number, boxes, sizes, cache, source)
    flags = [f for f in await document_flags(datasette, name, db, doc) if f.page == number]
    rows = {}
    for b in boxes:  # the values on this page, one line per action (its text's box) or KPI value
        if (b.kind, b.id) not in rows or b.field == "text":
            rows[(b.kind, b.id)] = b
    return Response.html(await datasette.render_template("review_document.html", {
        "database": name, "doc": doc, "source": source, "pages": [page], "legend": legend(boxes),
        "flags": [{"flag": f, "url": review_path(datasette, name, doc["sha256"], number, action=f.action_id)}
                  for f in flags],
        "values": [{"box": b, "url": review_path(datasette, name, doc["sha256"], number,
                                                  **({"action": b.id} if b.kind == "action" else {"value": b.id}))}
                   for b in rows.values()],
        "highlighted": highlighted, "single": True,
        "previous_url": review_path(datasette, name, doc["sha256"], number - 1) if number > 1 else None,
        "next_url": review_path(datasette, name, doc["sha256"], number + 1) if number < (doc["page_count"] or 0) else None,
        "document_url": review_path(datasette, name, doc["sha256"]),
        "index_url": datasette.urls.path("/-/review"), "database_url": datasette.urls.database(name),
    }, request=request))


async def image_view(request, datasette):
    name, db = await open_database(datasette, request, request.url_vars["database"])
    sha, number = request.url_vars["sha256"], int(request.url_vars["page"])
    cache, _ = settings(datasette, name)
    path = cache.image_path(sha, number) if cache.has_image(sha, number) else None
    if path is None:
        doc = await find_document(db, sha)
        _, source, _ = await document_source(datasette, name, db, doc)
        path = await asyncio.to_thread(cache.image, sha, number, source)
        if path is None:
            return Response.text(source.explain() if not source.present else f"no page {number}", status=404)
    return Response(path.read_bytes(), content_type="image/png", headers={"cache-control": "max-age=86400"})


async def action_view(request, datasette):
    name, db = await open_database(datasette, request, request.url_vars["database"])
    rows = (await db.execute("SELECT d.sha256, COALESCE(a.page, (SELECT MIN(p.page) FROM provenance p "
                             "WHERE p.action_id = a.id), 1) AS page FROM actions a JOIN documents d "
                             "ON d.id = a.document_id WHERE a.id = :id",
                             {"id": int(request.url_vars["action_id"])})).rows
    if not rows:
        raise NotFound("no such action")
    return Response.redirect(review_path(datasette, name, rows[0]["sha256"], rows[0]["page"],
                                         action=request.url_vars["action_id"]))


async def report_view(request, datasette):
    from ..report import QUERIES, report_fragment

    name, db = await open_database(datasette, request, request.url_vars["database"])
    rag = [dict(r) for r in (await db.execute(QUERIES["rag"])).rows]
    slipped = [dict(r) for r in (await db.execute(QUERIES["slipped"])).rows]
    return Response.html(await datasette.render_template("review_report.html", {
        "database": name, "figures": Markup(report_fragment(rag, slipped)),
        "index_url": datasette.urls.path("/-/review"), "database_url": datasette.urls.database(name),
    }, request=request))


SHA = r"(?P<sha256>[0-9a-f]{64})"
DB = r"(?P<database>[^/]+)"


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/review/?$", index_view),
        (rf"^/-/review/{DB}/report$", report_view),
        (rf"^/-/review/{DB}/action/(?P<action_id>\d+)$", action_view),
        (rf"^/-/review/{DB}/{SHA}/(?P<page>\d+)\.png$", image_view),
        (rf"^/-/review/{DB}/{SHA}/(?P<page>\d+)$", page_view),
        (rf"^/-/review/{DB}/{SHA}/?$", document_view),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Link each row's page to the review of that page, its own boxes highlighted."""
    if value in (None, "") or table is None:
        return None
    keys = row.keys()
    href = None
    if column == "page" and table == "v_actions" and {"action_id", "doc_sha256"} <= set(keys):
        href = review_path(datasette, database, row["doc_sha256"], value, action=row["action_id"])
    elif column == "page" and table == "v_measures" and {"doc_sha256", "name"} <= set(keys):
        href = review_path(datasette, database, row["doc_sha256"], value, kpi=row["name"],
                           column=row["column_label"] if "column_label" in keys else None)
    elif column == "page" and table == "actions" and "id" in keys:
        href = review_path(datasette, database, "action", row["id"])
    elif column == "sha256" and table == "documents":
        href = review_path(datasette, database, value)
    if href is None:
        return None
    return Markup(f'<a class="review-link" href="{escape(href)}" title="Review on the page">{escape(str(value))}</a>')


@hookimpl
def menu_links(datasette, actor):
    return [{"href": datasette.urls.path("/-/review"), "label": "Review pages"}]


@hookimpl
def handle_exception(datasette, request, exception):
    """Answer a 4xx (a page, document or row not found; not allowed) with its own status and message.

    Datasette 0.65's own handler first prints the exception with rich, which rich 14 and later
    refuse outside an `except` block, so every 404 of `make serve` became a bare 500. Other
    exceptions are left to Datasette."""
    from datasette.utils.asgi import Base400

    if not isinstance(exception, Base400):
        return None

    async def inner():
        status = exception.status
        info = {"ok": False, "error": exception.args[0] if exception.args else str(status), "status": status,
                "title": None}
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(info, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        return Response.html(await template.render_async(dict(
            info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=lambda: [])), status=status)

    return inner
