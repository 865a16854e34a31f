"""`councilplans fetch` against a ModernGov-shaped site on 127.0.0.1 (tests/moderngov_site.py), then
`councilplans run` on what it saved: no network, real PDFs from samples/, a real SQLite file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from councilplans.fetch.fetcher import NoSuchCommittee, Progress, fetch_site, site_base
from councilplans.fetch.http import FetchError, FetchSettings, SiteClient, retry_wait, same_site
from councilplans.fetch.manifest import MANIFEST_NAME, ManifestEntry, read_manifest, sources_by_sha
from councilplans.fetch.match import TitleMatcher, split_words
from councilplans.fetch.moderngov import link_title, parse_date, read_xml
from councilplans.fetch.paths import UnsafePath, council_from_url, file_name, inside, safe_component

from .conftest import ROOT, SAMPLES, db_rows
from .moderngov_site import CommitteeData, Doc, Item, Link, MeetingData, ModernGovSite

PLAN_2017 = (SAMPLES / "ecf-portfolio-plan-update-2017-18.pdf").read_bytes()
PLAN_2018 = (SAMPLES / "cef-portfolio-plan-2018-22.pdf").read_bytes()
PLAN_2011 = (SAMPLES / "cyp-portfolio-plan-2011-12.pdf").read_bytes()
REVIEW_2010 = (SAMPLES / "cypp-2009-11-review-2010.pdf").read_bytes()

CHILDREN = "Children's, Education & Families Policy Development and Scrutiny Committee"
AUDIT = "Audit/Risk Committee"  # a '/' in a name must not make a folder
FAST = FetchSettings(delay_s=0, timeout_s=1.5, retries=2, backoff_s=0)
FAST_ARGS = ["--delay", "0", "--timeout", "1.5", "--retries", "2", "--backoff", "0"]
FAILING = {  # title -> kind: what the first fetch must report by name
    "Children's services risk register": "not_found",
    "Quarterly performance report": "http_error",
    "Corporate scorecard": "timeout",
    "Action plan appendix": "not_pdf",
}


def bromley_site(web_service: str = "on") -> ModernGovSite:
    committees = [
        CommitteeData("101", CHILDREN, [
            MeetingData("2001", date(2017, 7, 12), [
                Item("5", "Portfolio Plan 2017/18 update", [
                    Link("ECF Portfolio Plan 2017-18 update", "documents/s1001/ECF Portfolio Plan 2017-18 update.pdf")]),
                Item("6", "Minutes of the previous meeting", [
                    Link("Minutes 14 March 2017", "documents/s1002/Minutes 14 March 2017.pdf")]),
                Item("7", "Risk register", [
                    Link("Children's services risk register", "documents/s1003/Risk register.pdf")]),
                Item("8", "Quarterly performance report", [
                    Link("Quarterly performance report", "documents/s1004/Performance Q1.pdf")]),
                Item("9", "Corporate scorecard", [Link("Corporate scorecard", "documents/s1005/Scorecard.pdf")]),
                Item("10", "Improvement action plan", [
                    Link("Action plan appendix", "documents/s1006/Action plan appendix.pdf")]),
                Item("11", "Council Plan (the county's)", [
                    Link("County Council Plan", "{other}/documents/s1007/County Plan.pdf")]),
                Item("12", "Staff plan", [Link("Staff plan", "private/s1008/Staff plan.pdf")]),
            ], own=[Link("Public reports pack", "documents/g2001/Public reports pack 12th-Jul-2017.pdf"),
                    Link("Portfolio plan (printed copy)", "documents/g2001/Portfolio plan printed copy.pdf")]),
            MeetingData("2002", date(2018, 3, 20), [
                Item("4", "Portfolio Plan 2018-22", [Link("Portfolio Plan 2018-22", "documents/s1011/Portfolio Plan 2018-22.pdf")]),
            ]),
        ]),
        CommitteeData("102", AUDIT, [
            MeetingData("2101", date(2011, 11, 15), [
                Item("3", "Children and young people portfolio plan", [
                    Link("CYP Portfolio Plan 2011-12", "documents/s1021/CYP Portfolio Plan 2011-12.pdf")]),
            ]),
        ]),
        CommitteeData("103", "Old Committee", [], deleted=True),
    ]
    docs = {
        "/documents/s1001/ECF Portfolio Plan 2017-18 update.pdf": Doc(PLAN_2017),
        "/documents/s1002/Minutes 14 March 2017.pdf": Doc(REVIEW_2010),
        "/documents/s1004/Performance Q1.pdf": Doc(PLAN_2011, status=500),
        "/documents/s1005/Scorecard.pdf": Doc(PLAN_2011, delay_s=4),
        "/documents/s1006/Action plan appendix.pdf": Doc(b"<!DOCTYPE html><html><body><h1>Runtime Error</h1></body></html>",
                                                        content_type="application/pdf"),
        "/documents/s1007/County Plan.pdf": Doc(PLAN_2011),
        "/private/s1008/Staff plan.pdf": Doc(PLAN_2011),
        "/documents/s1011/Portfolio Plan 2018-22.pdf": Doc(
            PLAN_2018, content_disposition='attachment; filename="../../../../outside.pdf"'),
        "/documents/s1021/CYP Portfolio Plan 2011-12.pdf": Doc(PLAN_2011, etag=None, last_modified=datetime(2011, 11, 1)),
        "/documents/g2001/Public reports pack 12th-Jul-2017.pdf": Doc(REVIEW_2010),
        "/documents/g2001/Portfolio plan printed copy.pdf": Doc(PLAN_2017),
    }
    docs["/documents/s1021/CYP Portfolio Plan 2011-12.pdf"].etag = None  # Last-Modified alone
    return ModernGovSite(committees, docs, web_service=web_service)


@pytest.fixture
def site():
    server = bromley_site().start()
    yield server
    server.stop()


@pytest.fixture
def html_site():
    """The same site with its web service switched off: papers are named by their documents/ URLs."""
    server = bromley_site(web_service="404").start()
    yield server
    server.stop()


def said(done: subprocess.CompletedProcess) -> str:
    """What a command printed on stderr, with rich's line wrapping undone."""
    return " ".join(done.stderr.split())


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("fetch-cache")


def cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "councilplans", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


def pdfs(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))


def statuses(site: ModernGovSite, part: str) -> list[int]:
    return [status for _, status in site.requests(part)]


def test_fetch_then_run_then_again_then_a_changed_paper(html_site, tmp_path, cache):
    site = html_site
    out, db = tmp_path / "fetched", f"sqlite:///{tmp_path / 'plans.db'}"
    first = cli("fetch", site.url, "--out", out, "--council", "Bromley", *FAST_ARGS)
    assert first.returncode == 1, first.stderr  # some papers failed, the rest were saved
    for name in FAILING:
        assert name in said(first)
    assert "3 downloaded, 0 unchanged, 1 duplicates, 2 not followed, 4 failed" in said(first)
    children = safe_component(CHILDREN)
    assert pdfs(out) == sorted([
        f"Bromley/Audit Risk Committee/2011-11-15/CYP Portfolio Plan 2011-12.pdf",
        f"Bromley/{children}/2017-07-12/ECF Portfolio Plan 2017-18 update.pdf",
        f"Bromley/{children}/2018-03-20/Portfolio Plan 2018-22.pdf",
    ])
    assert statuses(site, "/s1002/") == [] and statuses(site, "/g2001/Public") == []  # not matching --match
    assert statuses(site, "/s1007/") == []  # another host's link is not followed
    assert {host.split(":")[0] for host in site.hosts} == {"127.0.0.1"}
    assert statuses(site, "/private/") == []  # robots.txt
    assert statuses(site, "/s1004/") == [500, 500, 500]  # retried, then reported
    manifest = read_manifest(out / "Bromley" / MANIFEST_NAME)
    assert len(manifest) == 4
    copy = manifest[site.url + "documents/g2001/Portfolio%20plan%20printed%20copy.pdf"]
    assert copy.duplicate_of == site.url + "documents/s1001/ECF%20Portfolio%20Plan%202017-18%20update.pdf"
    entry = manifest[copy.duplicate_of]
    assert (entry.council, entry.committee, entry.meeting_date, entry.item_title, entry.title) == (
        "Bromley", CHILDREN, "2017-07-12", "Portfolio Plan 2017/18 update", "ECF Portfolio Plan 2017-18 update")
    assert entry.sha256 == copy.sha256 and entry.etag and entry.fetched_at and entry.size == len(PLAN_2017)

    run = cli("run", out, "--db", db, "--cache", cache, "--workers", "2")
    assert run.returncode == 0, run.stderr
    assert "3 files, 3 loaded" in said(run) and "3 documents traced" in said(run)
    rows = db_rows(db, "SELECT document, council, committee, meeting_date, item_title, source_title, source_url, "
                       "actions FROM v_documents ORDER BY meeting_date")
    assert [(r["meeting_date"], r["committee"], r["item_title"]) for r in rows] == [
        ("2011-11-15", AUDIT, "Children and young people portfolio plan"),
        ("2017-07-12", CHILDREN, "Portfolio Plan 2017/18 update"),
        ("2018-03-20", CHILDREN, "Portfolio Plan 2018-22"),
    ]
    assert all(r["source_url"].startswith(site.url + "documents/s10") and r["actions"] > 0 for r in rows)
    assert {r["council"] for r in rows} == {"London Borough of Bromley"}  # as printed, not the folder's name
    traced = db_rows(db, "SELECT count(*) AS n FROM v_actions a JOIN v_documents d ON d.doc_sha256 = a.doc_sha256 "
                         "WHERE d.source_url IS NOT NULL")
    assert traced[0]["n"] > 0

    site.clear_log()
    second = cli("fetch", site.url, "--out", out, "--council", "Bromley", *FAST_ARGS)
    assert "0 downloaded, 4 unchanged, 0 duplicates" in said(second), second.stderr
    pdf_answers = [s for p, s in site.requests("/documents/") if not any(k in p for k in ("s1004", "s1005", "s1006", "s1003"))]
    assert pdf_answers and set(pdf_answers) == {304}  # a conditional GET for every paper held: nothing downloaded
    rerun = cli("run", out, "--db", db, "--cache", cache)
    assert "0 loaded, 3 unchanged" in said(rerun), rerun.stderr

    site.docs["/documents/s1011/Portfolio Plan 2018-22.pdf"].replace_body(REVIEW_2010, datetime(2018, 4, 2))
    third = cli("fetch", site.url, "--out", out, "--council", "Bromley", *FAST_ARGS)
    assert "1 downloaded, 3 unchanged" in said(third), third.stderr
    assert (out / f"Bromley/{children}/2018-03-20/Portfolio Plan 2018-22.pdf").read_bytes() == REVIEW_2010
    changed = cli("run", out, "--db", db, "--cache", cache)
    assert "1 loaded, 2 unchanged" in said(changed), changed.stderr
    new = db_rows(db, "SELECT source_url, meeting_date, item_title FROM v_documents WHERE doc_sha256 = :sha",
                  sha=hashlib.sha256(REVIEW_2010).hexdigest())
    assert [(r["source_url"].rsplit("/", 2)[-2], r["meeting_date"], r["item_title"]) for r in new] == [
        ("s1011", "2018-03-20", "Portfolio Plan 2018-22")]


def summary_of(site: ModernGovSite, out: Path, **kwargs):
    return fetch_site(site.url, out, council="Bromley", settings=FAST, **kwargs)


@pytest.mark.parametrize("web_service", ["on", "404"])
def test_failures_are_reported_by_name_and_the_rest_go_on(tmp_path, web_service):
    server = bromley_site(web_service).start()
    try:
        summary = summary_of(server, tmp_path)
    finally:
        server.stop()
    assert {f.name: f.kind for f in summary.failures} == FAILING
    reasons = {f.name: f.reason for f in summary.failures}
    assert "HTTP 404" in reasons["Children's services risk register"]
    assert "HTTP 500" in reasons["Quarterly performance report"]
    assert "HTML page" in reasons["Action plan appendix"]
    assert {s.name: s.kind for s in summary.skipped} == {"County Council Plan": "off_site", "Staff plan": "robots"}
    # the meeting's own papers (where the printed copy is) are on its page, not in the web service's answer
    assert summary.downloaded == 3 and summary.duplicates == (0 if web_service == "on" else 1)
    assert not list(tmp_path.rglob("*.part")) and not (tmp_path / "Bromley" / ".incomplete").exists()


def test_web_service_is_used_when_it_answers(site, tmp_path):
    summary = summary_of(site, tmp_path)
    assert summary.source == "web service" and summary.committees == 2 and summary.meetings == 3
    assert statuses(site, "mgListCommittees") == statuses(site, "ieListMeetings") == []
    assert statuses(site, "ieListDocuments") == []
    assert len(statuses(site, "mgConvert2PDF")) >= 3  # the web service names papers by attachment id
    # a Content-Disposition name with a path in it gives its last part alone, inside the meeting's folder
    assert (tmp_path / "Bromley" / safe_component(CHILDREN) / "2018-03-20" / "outside.pdf").is_file()
    assert not (tmp_path.parent / "outside.pdf").exists()
    assert all(p.resolve().is_relative_to(tmp_path.resolve()) for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("switched_off", ["404", "html"])
def test_web_service_switched_off_falls_back_to_the_pages(tmp_path, switched_off):
    server = bromley_site(web_service=switched_off).start()
    try:
        summary = summary_of(server, tmp_path)
    finally:
        server.stop()
    assert summary.source == "HTML pages" and summary.committees == 2 and summary.meetings == 3
    assert statuses(server, "mgListCommittees") == [200] and statuses(server, "ieListMeetings") == [200, 200]
    assert summary.downloaded == 3 and summary.duplicates == 1 and {f.name for f in summary.failures} == set(FAILING)
    assert statuses(server, "mgConvert2PDF") == []
    entries = read_manifest(tmp_path / "Bromley" / MANIFEST_NAME).values()
    assert {e.item_title for e in entries} == {"Portfolio Plan 2017/18 update", "Portfolio Plan 2018-22",
                                               "Children and young people portfolio plan", None}


def test_committee_and_dates_choose_the_meetings(site, tmp_path):
    summary = summary_of(site, tmp_path, committees=["children"], since=date(2018, 1, 1), until=date(2018, 12, 31))
    assert (summary.committees, summary.meetings, summary.downloaded, summary.failed) == (1, 1, 1, 0)
    assert pdfs(tmp_path) == [f"Bromley/{safe_component(CHILDREN)}/2018-03-20/outside.pdf"]
    meetings = site.requests("GetMeetings")
    assert len(meetings) == 1 and "sFromDate=01%2F01%2F2018" in meetings[0][0]
    with pytest.raises(NoSuchCommittee, match="Audit/Risk Committee"):
        summary_of(site, tmp_path, committees=["planning"])


def test_an_interrupted_fetch_resumes(site, tmp_path):
    class StopAfterFirst(Progress):
        def fetched(self, name, outcome):
            if outcome == "downloaded":
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        summary_of(site, tmp_path, progress=StopAfterFirst())
    kept = read_manifest(tmp_path / "Bromley" / MANIFEST_NAME)
    assert len(kept) == 1 and len(pdfs(tmp_path)) == 1
    resumed = summary_of(site, tmp_path)
    assert (resumed.unchanged, resumed.downloaded, resumed.failed) == (1, 2, 4)
    assert len(read_manifest(tmp_path / "Bromley" / MANIFEST_NAME)) == 3


def test_a_torn_manifest_line_is_skipped_and_the_file_is_checked(html_site, tmp_path):
    site = html_site
    summary_of(site, tmp_path)
    manifest = tmp_path / "Bromley" / MANIFEST_NAME
    with open(manifest, "a", encoding="utf-8") as f:
        f.write('{"council": "Bromley", "source_url": "http://127.0.0.1/x", "sha2')  # killed mid-line
    saved = next(tmp_path.rglob("CYP Portfolio Plan 2011-12.pdf"))
    saved.write_bytes(b"%PDF-1.4 damaged")  # a file changed on disk is fetched again, unconditionally
    site.clear_log()
    again = summary_of(site, tmp_path)
    assert again.downloaded == 1 and again.unchanged == 3
    assert saved.read_bytes() == PLAN_2011 and statuses(site, "/s1021/") == [200]
    assert len(read_manifest(manifest)) == 4 and all(json.loads(l) for l in manifest.read_text().splitlines())


def test_retries_on_429_and_5xx_then_succeeds(html_site, tmp_path):
    site = html_site
    site.docs["/documents/s1021/CYP Portfolio Plan 2011-12.pdf"].script = [429, 503]
    summary = summary_of(site, tmp_path, committees=["audit"])
    assert summary.downloaded == 1 and summary.failed == 0
    assert statuses(site, "/s1021/") == [429, 503, 200]


def test_make_pipeline_fetches_and_ingests_in_one_command(site, tmp_path):
    venv = Path(sys.prefix)
    if shutil.which("make") is None or not (venv / "bin" / "councilplans").exists():
        pytest.skip("needs make, and the tests running in the project's virtualenv (make test)")
    db = f"sqlite:///{tmp_path / 'make.db'}"
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "-o", f"{venv}/.installed", "pipeline", f"VENV={venv}", f"URL={site.url}",
         "COMMITTEE=Children's", "SINCE=2018-01-01", f"FETCHED={tmp_path / 'fetched'}", f"DB={db}",
         "FETCH_ARGS=--delay 0 --council Bromley --timeout 1.5 --backoff 0"],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = db_rows(db, "SELECT committee, meeting_date, source_url FROM v_documents")
    assert [(r["committee"], r["meeting_date"]) for r in rows] == [(CHILDREN, "2018-03-20")]
    offline = subprocess.run(["make", "-n", "-C", str(ROOT), "-o", f"{venv}/.installed", "pipeline", f"VENV={venv}"],
                             capture_output=True, text=True)
    assert "councilplans run samples" in offline.stdout and "councilplans fetch" not in offline.stdout


# -- the parts, one by one --------------------------------------------------------------------

def test_urls_must_stay_on_the_site():
    site = "https://democracy.bromley.gov.uk/"
    assert same_site("https://democracy.bromley.gov.uk/documents/s1/A.pdf", site)
    assert same_site("http://DEMOCRACY.bromley.gov.uk:80/x", site)  # http and https on default ports: one site
    assert not same_site("https://democracy.bromley.gov.uk.evil.example/x", site)
    assert not same_site("https://evil.example/democracy.bromley.gov.uk/x", site)
    assert not same_site("https://democracy.bromley.gov.uk@evil.example/x", site)
    assert not same_site("https://user@democracy.bromley.gov.uk/x", site)
    assert not same_site("https://democracy.bromley.gov.uk:8443/x", site)
    assert not same_site("ftp://democracy.bromley.gov.uk/x", site)
    assert not same_site("javascript:alert(1)", site)
    assert site_base("democracy.bromley.gov.uk") == site
    assert site_base("https://democracy.bromley.gov.uk/mgListCommittees.aspx?bcr=1") == site
    assert site_base("https://www.example.gov.uk/modernGov") == "https://www.example.gov.uk/modernGov/"


def test_names_are_sanitised():
    assert safe_component("../../etc/passwd") == "etc passwd"
    assert safe_component("..") == "untitled" and safe_component("") == "untitled"
    assert safe_component("CON") == "_CON" and safe_component("a\x00b\nc") == "a b c"
    assert len(safe_component("é" * 400).encode()) <= 150
    assert file_name("https://x/documents/s1/Council%20Plan.pdf", "t") == "Council Plan.pdf"
    assert file_name("https://x/mgConvert2PDF.aspx?ID=1", "Plan: 2024/25?") == "Plan 2024 25.pdf"
    assert file_name("https://x/mgConvert2PDF.aspx?ID=1", "t", 'attachment; filename="..\\..\\x.pdf"') == "x.pdf"
    assert council_from_url("https://democracy.bromley.gov.uk/") == "bromley"
    assert council_from_url("https://moderngov.southwark.gov.uk/") == "southwark"
    assert council_from_url("http://127.0.0.1:8123/") == "127.0.0.1_8123"


def test_nothing_is_written_outside_the_folder(tmp_path):
    root = tmp_path / "out"
    (root / "council").mkdir(parents=True)
    (root / "council" / "escape").symlink_to(tmp_path)
    assert inside(root, "council/a/b.pdf") == (root / "council/a/b.pdf").resolve()
    for bad in ("../x.pdf", "council/escape/x.pdf", "/etc/x.pdf", "."):
        with pytest.raises(UnsafePath):
            inside(root, bad)


def test_meeting_dates_and_link_titles():
    assert parse_date("31 Mar 2020 6.30 pm") == date(2020, 3, 31)
    assert parse_date("Tuesday, 1st September, 2015 10.00 am") == date(2015, 9, 1)
    assert parse_date("13/01/2026") == date(2026, 1, 13)
    assert parse_date("Cancelled") is None and parse_date("31 Foo 2020") is None
    assert link_title("Council Plan Q2 report, item 5. PDF 300 KB") == "Council Plan Q2 report"
    assert link_title("Agenda frontsheet (PDF, 132 KB)") == "Agenda frontsheet"


def test_match_words_are_data():
    default = TitleMatcher()
    assert "plan" in default.words and "risk register" in default.words
    assert default.matches("Council Plan 2024-28") and default.matches(None, "Corporate Risk Registers")
    assert default.matches("Q2 Performance Report") and default.matches("Balanced score-card")
    assert not default.matches("Planning application 24/0001/FUL", "Minutes")
    assert TitleMatcher(split_words(["minutes, agenda"])).matches("Printed minutes")
    assert TitleMatcher(["*"]).matches("anything")


def test_untrusted_xml_is_not_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY x SYSTEM "file:///etc/passwd">]><committees><committee><committeetitle>&b;&x;'
            '</committeetitle></committee></committees>')
    root = read_xml(bomb)
    assert "root:" not in (root.findtext(".//committeetitle") or "")
    with pytest.raises(ValueError):
        read_xml("<html><body>Service disabled")


def test_retry_wait_honours_retry_after_up_to_a_cap():
    settings = FetchSettings(backoff_s=1, max_backoff_s=30)
    assert [retry_wait(n, None, settings) for n in range(3)] == [1, 2, 4]
    assert retry_wait(0, "10", settings) == 10 and retry_wait(0, "3600", settings) == 30
    assert retry_wait(0, "not a date", settings) == 1


def test_a_site_that_is_not_moderngov_is_an_error(tmp_path):
    from councilplans.fetch.fetcher import SiteUnreadable

    server = ModernGovSite([], {}, web_service="404").start()
    try:
        with pytest.raises(SiteUnreadable, match="lists no committee"):
            summary_of(server, tmp_path)
        done = cli("fetch", server.url, "--out", tmp_path, "--delay", "0")
        assert done.returncode == 2 and "lists no committee" in done.stderr
    finally:
        server.stop()


def test_sources_by_sha_take_the_first_fetch(tmp_path):
    folder = tmp_path / "Bromley"
    folder.mkdir()
    entries = [ManifestEntry("Bromley", "C", "2020-01-01", None, "b", "http://s/b", "abc", "2024-02-01T00:00:00+00:00", "b.pdf"),
               ManifestEntry("Bromley", "C", "2020-01-01", None, "a", "http://s/a", "abc", "2024-01-01T00:00:00+00:00", "a.pdf")]
    entries.append(ManifestEntry("Bromley", "C", "2020-01-01", None, "c", "http://s/0", "abc", "2023-01-01T00:00:00+00:00",
                                 "a.pdf", duplicate_of="http://s/a"))  # earlier, but a duplicate of a's file
    (folder / MANIFEST_NAME).write_text("".join(e.to_json() + "\n" for e in entries))
    (folder / "C").mkdir()
    assert sources_by_sha(folder / "C")["abc"].source_url == "http://s/a"  # found from a subfolder too
    assert sources_by_sha(tmp_path)["abc"].title == "a"


def test_redirects_are_followed_only_on_the_site(site):
    with SiteClient(site.url, FAST) as client:
        for url in (f"http://localhost:{site.port}/mgListCommittees.aspx",
                    f"{site.url}go?to=http://localhost:{site.port}/mgListCommittees.aspx"):
            with pytest.raises(FetchError) as err:
                client.page(url)
            assert err.value.kind == "off_site"
        page = client.page(f"{site.url}go?to=/mgListCommittees.aspx")
        assert page.text.count("mgCommitteeDetails") == 2 and page.url.endswith("/mgListCommittees.aspx")
    assert {host.split(":")[0] for host in site.hosts} == {"127.0.0.1"}  # never asked as another host
    assert [p for p, _ in site.requests("mgListCommittees")][-2:] == ["/go?to=/mgListCommittees.aspx",
                                                                     "/mgListCommittees.aspx"]


def test_one_request_at_a_time_with_the_longer_of_delay_and_crawl_delay(site):
    site.robots = "User-agent: councilplans\nCrawl-delay: 5\nDisallow: /private/\n"
    clock = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        clock[0] += seconds

    with SiteClient(site.url, FetchSettings(delay_s=1, retries=0), sleep=sleep, clock=lambda: clock[0]) as client:
        client.page(site.url + "mgListCommittees.aspx")
        client.page(site.url + "ieListMeetings.aspx?CId=101&Year=0")
        assert not client.allowed(site.url + "private/x.pdf")
    assert waits == [5, 5]  # robots.txt, then a page, then another: 5 s between each two
    assert client.requests == 3


def test_web_service_answers_wrapped_in_a_string_element():
    inner = "<committees><committee><committeeid>7</committeeid><committeetitle>Cabinet</committeetitle></committee></committees>"
    wrapped = ('<?xml version="1.0" encoding="utf-8"?><string xmlns="http://moderngov.co.uk/namespaces">'
               + inner.replace("<", "&lt;").replace(">", "&gt;") + "</string>")
    from councilplans.fetch.moderngov import committees_from_xml

    assert committees_from_xml(read_xml(wrapped))[0].title == "Cabinet"


def test_sources_survive_a_reload_and_are_found_from_a_subfolder(html_site, tmp_path, cache):
    from councilplans.pipeline import run_pipeline

    summary_of(html_site, tmp_path / "out", committees=["audit"])
    db = f"sqlite:///{tmp_path / 'one.db'}"
    audit = tmp_path / "out" / "Bromley" / "Audit Risk Committee"
    assert run_pipeline(audit, db, workers=1, cache_dir=cache).sourced == 1  # the manifest two folders up
    by_hand = tmp_path / "by hand"
    by_hand.mkdir()
    shutil.copy(next(audit.rglob("*.pdf")), by_hand / "plan.pdf")
    again = run_pipeline(by_hand, db, workers=1, cache_dir=cache, force=True)  # re-extracted, no manifest here
    assert (again.inserted, again.sourced) == (1, 0)
    (row,) = db_rows(db, "SELECT committee, meeting_date, item_title, source_url, fetched_at FROM v_documents")
    assert row["committee"] == AUDIT and row["meeting_date"] == "2011-11-15" and row["fetched_at"]
    assert row["source_url"] == html_site.url + "documents/s1021/CYP%20Portfolio%20Plan%202011-12.pdf"
