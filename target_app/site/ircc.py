"""The immigration site in the spirit of cic.gc.ca in 2016 (content invented).

URL map: docs/architecture.md. Form fields: docs/target.md and
``QUESTIONNAIRE_EXAMPLE`` / ``SIGNIN_EXAMPLE`` / ``ETA_EXAMPLE`` below, which
scenario journeys can post as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import os
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlencode

from target_app.http import Request, Response, redirect
from target_app.site import forms as check
from target_app.site.assets import png, script, stylesheet
from target_app.site.base import SLOT, FormError, Site
from target_app.site.layout import Theme, link_list

SECTIONS = {
    "immigrate": "Immigrate",
    "visit": "Visit",
    "study": "Study",
    "work": "Work",
    "citizenship": "Citizenship",
    "refugees": "Refugees",
    "helpcentre": "Help Centre",
}
EXPRESS_ENTRY = "/english/immigrate/express-entry/"
OFFICES = ("ottawa", "new-york", "los-angeles", "seattle", "london", "paris", "new-delhi", "mexico-city",
           "manila", "beijing")  # fmt: skip
APPLICATION_TYPES = ("visitor", "study", "work", "express-entry", "family", "citizenship")
EDUCATION = ("none", "secondary", "one-year", "two-year", "bachelor", "two-or-more", "master", "phd")

# Each questionnaire step: its fields' checks; steps run in this order and the last yields the checklist code.
QUESTIONNAIRE_STEPS: dict[str, Callable[[dict[str, str]], dict[str, object]]] = {
    "nationality": lambda f: {"country": check.text(f, "country", r"[A-Za-z]{2}", "a two-letter code")},
    "age": lambda f: {"age": check.integer(f, "age", 0, 120)},
    "language": lambda f: {
        "english": check.integer(f, "english", 0, 12),
        "french": check.integer(f, "french", 0, 12),
    },
    "education": lambda f: {"education": check.choice(f, "education", EDUCATION)},
    "experience": lambda f: {"years": check.integer(f, "years", 0, 50)},
    "funds": lambda f: {
        "funds": check.integer(f, "funds", 0, 10**9),
        "family_size": check.integer(f, "family_size", 1, 20),
    },
    "job-offer": lambda f: {"job_offer": check.choice(f, "job_offer", ("yes", "no"))},
}
QUESTIONNAIRE_EXAMPLE: dict[str, dict[str, str]] = {
    "nationality": {"step": "nationality", "country": "US"},
    "age": {"step": "age", "age": "34"},
    "language": {"step": "language", "english": "9", "french": "4"},
    "education": {"step": "education", "education": "bachelor"},
    "experience": {"step": "experience", "years": "6"},
    "funds": {"step": "funds", "funds": "25000", "family_size": "2"},
    "job-offer": {"step": "job-offer", "job_offer": "no"},
}
SIGNIN_EXAMPLE = {"username": "jsmith2016", "password": "correct-horse-battery"}
STATUS_EXAMPLE = {"uci": "1234-5678"}
ETA_EXAMPLE = {"surname": "Smith", "given_names": "Jane", "passport": "P1234567", "country": "US",
               "birth_date": "1980-05-17", "email": "jane.smith@example.com"}  # fmt: skip

QUESTIONNAIRE_COOKIE = "ctc_answers"
SESSION_COOKIE = "mycic_session"
CHECKLIST_DOCUMENTS = (
    "Valid passport or travel document", "Language test results (IELTS or CELPIP, TEF for French)",
    "Educational Credential Assessment report", "Proof of funds: bank letters for the last six months",
    "Police certificates for each country lived in for six months or more",
    "Medical examination confirmation",
    "Reference letters from employers", "Birth certificate", "Marriage certificate", "Digital photo",
    "Written job offer from a Canadian employer", "Provincial nomination certificate",
)  # fmt: skip


def _theme() -> Theme:
    menu = "".join(
        f'<li><a href="/english/{key}/index.asp">{label}</a>'
        + link_list(
            [(f"{label}: {topic}", f"/english/{key}/index.asp#{n}") for n, topic in enumerate(_TOPICS)]
        )
        + "</li>"
        for key, label in SECTIONS.items()
    )
    header = (
        '<header role="banner"><div id="wb-bnr" class="container">'
        '<div id="wb-lng"><a lang="fr" href="/francais/index.asp">Français</a></div>'
        '<div class="brand"><a href="http://www.canada.ca/en/index.html">'
        '<img src="/assets/img/sig-blk-en.png" alt="Government of Canada / Gouvernement du Canada"></a></div>'
        '<section id="wb-srch"><form action="/english/search.asp" method="get" role="search">'
        '<label for="q">Search Immigration and citizenship</label><input id="q" name="q" type="search">'
        '<button type="submit">Search</button></form></section></div>'
        f'<nav role="navigation" id="wb-sm"><ul class="list-inline menu">{menu}</ul></nav></header>'
    )
    footer_links = [(f"{label} — {topic}", f"/english/{key}/index.asp") for key, label in SECTIONS.items()
                    for topic in _TOPICS[:4]]  # fmt: skip
    footer = (
        '<footer role="contentinfo" id="wb-info"><nav class="container"><h2>About this site</h2>'
        f"{link_list(footer_links, 'list-col-md-4')}</nav>"
        '<div class="brand container">'
        '<img src="/assets/img/wmms-blk.png" alt="Symbol of the Government of Canada">'
        "</div></footer>"
    )
    return Theme(
        site_name="Immigration, Refugees and Citizenship Canada",
        lang="en",
        stylesheets=("/assets/css/wet-boew.css", "/assets/css/theme.css"),
        scripts=("/assets/js/jquery.js", "/assets/js/wet-boew.js"),
        header_html=header,
        footer_html=footer,
    )


_TOPICS = (
    "Find out if you are eligible", "Apply online", "Check processing times", "Fees", "Forms and guides",
    "Prepare for arrival", "Check your application status", "Help Centre: frequently asked questions",
)  # fmt: skip
_HOME = (("Home", "/english/index.asp"),)


class IrccSite(Site):
    name = "ircc"

    def __init__(self) -> None:
        self.theme = _theme()
        super().__init__()
        self._secret = os.urandom(16)  # signs session cookies; a restart signs everyone out, as on IIS
        self.add("/", "dynamic", lambda request: redirect("/english/index.asp"))
        self._static_pages()
        self._questionnaire()
        self._processing_times()
        self._account()
        self._eta()
        self._search()
        self._assets()

    # --- pages that are the same for everyone --------------------------------------------------------

    def _fixed(
        self, path: str, cost_class: str, title: str, main: str, crumbs=_HOME, size: int = 32_000
    ) -> None:
        response = Response(
            200, self.page(title, main, crumbs, size), headers=(("Cache-Control", "private"),)
        )
        self.add(path, cost_class, lambda request: response)

    def _static_pages(self) -> None:
        sections = link_list(
            [(label, f"/english/{key}/index.asp") for key, label in SECTIONS.items()], "list-inline"
        )
        self._fixed(
            "/english/index.asp",
            "dynamic",
            "Immigration, Refugees and Citizenship Canada",
            f'<img src="/assets/img/banner-home.png" alt=""><h2>Services</h2>{sections}'
            '<h2>Find out if you can come to Canada</h2><p><a href="/ctc-vac/getting-started.do">'
            "Answer a few questions</a> to see which programs you may be eligible for.</p>",
            crumbs=(),
            size=48_000,
        )
        for key, label in SECTIONS.items():
            topics = link_list([(topic, f"/english/{key}/index.asp#{n}") for n, topic in enumerate(_TOPICS)])
            self._fixed(
                f"/english/{key}/index.asp", "dynamic", label, f"<h2>{label}</h2>{topics}", size=36_000
            )
        crumbs = (*_HOME, ("Immigrate", "/english/immigrate/index.asp"))
        ee_links = link_list(
            [
                ("Who can apply", EXPRESS_ENTRY + "eligibility.asp"),
                ("Rounds of invitations", EXPRESS_ENTRY + "rounds.asp"),
                ("Comprehensive Ranking System tool", EXPRESS_ENTRY + "crs-tool.asp"),
            ]
        )
        self._fixed(EXPRESS_ENTRY + "index.asp", "dynamic", "Express Entry", ee_links, crumbs, 34_000)
        crumbs = (*crumbs, ("Express Entry", EXPRESS_ENTRY + "index.asp"))
        self._fixed(
            EXPRESS_ENTRY + "eligibility.asp", "dynamic", "Express Entry: who can apply", ee_links, crumbs
        )
        rounds = "".join(
            f"<tr><td>#{n}</td><td>2016-{1 + n // 3:02d}-{1 + 9 * (n % 3):02d}</td>"
            f"<td>{700 + 37 * (n % 11)}</td><td>{450 + (n * 13) % 300}</td></tr>"
            for n in range(1, 46)
        )
        heading = "<tr><th>Round</th><th>Date</th><th>Invitations</th><th>CRS cut-off</th></tr>"
        table = f"<table class='table'>{heading}{rounds}</table>"
        self._fixed(
            EXPRESS_ENTRY + "rounds.asp", "dynamic", "Express Entry: rounds of invitations", table, crumbs
        )
        options = "".join(f"<option>{value}</option>" for value in range(12))
        crs_rows = "".join(
            f"<label>Factor {n}<select name='f{n}'>{options}</select></label>" for n in range(1, 40)
        )
        crs_form = (
            f"<form method='get' action='{EXPRESS_ENTRY}crs-tool.asp'>{crs_rows}<button>Go</button></form>"
        )
        self._fixed(
            EXPRESS_ENTRY + "crs-tool.asp",
            "heavy",
            "Comprehensive Ranking System tool",
            crs_form,
            crumbs,
            55_000,
        )

    # --- Come to Canada questionnaire ------------------------------------------------------------------

    def _questionnaire(self) -> None:
        crumbs = (*_HOME, ("Come to Canada", "/ctc-vac/getting-started.do"))
        self._step_page = self.page("Come to Canada: find out if you are eligible", SLOT, crumbs, 24_000)
        self._checklist_page = self.page("Your personal checklist", SLOT, crumbs, 26_000)
        self.add("/ctc-vac/getting-started.do", "dynamic", self._getting_started)
        self.add("/ctc-vac/questionnaire.do", "heavy", self._questionnaire_step, method="POST")
        self.add("/ctc-vac/checklist.do", "dynamic", self._checklist)

    def _step_form(self, step: str) -> str:
        fields = "".join(
            f"<label>{name}<input name='{name}' value='{html.escape(value)}'></label>"
            for name, value in QUESTIONNAIRE_EXAMPLE[step].items()
            if name != "step"
        )
        return (
            "<form method='post' action='/ctc-vac/questionnaire.do'>"
            f"<input type='hidden' name='step' value='{step}'>"
            f"<h2>Step {list(QUESTIONNAIRE_STEPS).index(step) + 1} of {len(QUESTIONNAIRE_STEPS)}: {step}</h2>"
            f"{fields}<button type='submit'>Next</button></form>"
        )

    def _getting_started(self, request: Request) -> Response:
        body = self._step_page.replace(SLOT.encode(), self._step_form("nationality").encode())
        return Response(200, body, headers=(("Set-Cookie", f"{QUESTIONNAIRE_COOKIE}=; Path=/ctc-vac"),))

    def _questionnaire_step(self, request: Request) -> Response:
        form = request.form
        step = form.get("step", "")
        if step not in QUESTIONNAIRE_STEPS:
            return self.message_page(
                400, "Come to Canada", f"step: expected one of {', '.join(QUESTIONNAIRE_STEPS)}"
            )
        try:
            answers = QUESTIONNAIRE_STEPS[step](form)
        except FormError as error:
            return self.message_page(400, "Come to Canada: please correct your answer", str(error))
        # The answers so far travel in a cookie, so the site keeps no state per visitor.
        previous = _decode_answers(request.cookies.get(QUESTIONNAIRE_COOKIE, ""))
        encoded = _encode_answers({**previous, **{key: str(value) for key, value in answers.items()}})
        cookie = (("Set-Cookie", f"{QUESTIONNAIRE_COOKIE}={encoded}; Path=/ctc-vac"),)
        steps = list(QUESTIONNAIRE_STEPS)
        if step != steps[-1]:
            fragment = self._step_form(steps[steps.index(step) + 1])
        else:
            code = _checklist_code(encoded)
            fragment = (
                f"<p>Your personal reference code is <strong id='checklist-code'>{code}</strong>.</p>"
                f"<p><a href='/ctc-vac/checklist.do?code={code}'>See your personal checklist</a></p>"
            )
        return Response(200, self._step_page.replace(SLOT.encode(), fragment.encode()), headers=cookie)

    def _checklist(self, request: Request) -> Response:
        code = request.query.get("code", "")
        if len(code) != 8 or not code.isalnum() or not code.isupper():
            return self.message_page(
                400, "Your personal checklist", "code: expected the 8-character code you were given"
            )
        digest = hashlib.blake2b(code.encode(), digest_size=8).digest()
        documents = [
            doc for bit, doc in enumerate(CHECKLIST_DOCUMENTS) if bit < 4 or digest[bit % 8] & (1 << bit % 3)
        ]
        fragment = f"<h2>Checklist {code}</h2>" + "".join(f"<p>☐ {html.escape(doc)}</p>" for doc in documents)
        return Response(200, self._checklist_page.replace(SLOT.encode(), fragment.encode()))

    # --- processing times ------------------------------------------------------------------------------

    def _processing_times(self) -> None:
        crumbs = (*_HOME, ("Help Centre", "/english/helpcentre/index.asp"))
        options = "".join(f"<option>{office}</option>" for office in OFFICES)
        types = "".join(f"<option>{kind}</option>" for kind in APPLICATION_TYPES)
        form = (
            "<form method='get' action='/english/information/times/result.asp'>"
            f"<select name='office'>{options}</select><select name='type'>{types}</select>"
            "<button>Show</button></form>"
        )
        self._fixed("/english/information/times/index.asp", "dynamic", "Check processing times", form, crumbs)
        self._times_page = self.page("Processing times", SLOT, crumbs, 22_000)
        self.add("/english/information/times/result.asp", "heavy", self._times_result)

    def _times_result(self, request: Request) -> Response:
        query = request.query
        try:
            office = check.choice(query, "office", OFFICES)
            kind = check.choice(query, "type", APPLICATION_TYPES)
        except FormError as error:
            return self.message_page(400, "Processing times", str(error))
        days = 14 + hashlib.blake2b(f"{office}/{kind}".encode(), digest_size=1).digest()[0]
        fragment = (
            f"<p id='processing-time'>{kind} applications at {office}: <strong>{days} days</strong></p>"
        )
        return Response(200, self._times_page.replace(SLOT.encode(), fragment.encode()))

    # --- online account (sign-in and application status) ----------------------------------------------

    def _account(self) -> None:
        crumbs = (*_HOME, ("Help Centre", "/english/helpcentre/index.asp"))
        signin = (
            "<form method='post' action='/mycic/signin'><label>Username<input name='username'></label>"
            "<label>Password<input type='password' name='password'></label><button>Sign in</button></form>"
        )
        self._fixed("/mycic/signin", "dynamic", "Sign in to your account", signin, crumbs, 22_000)
        self.add("/mycic/signin", "heavy", self._signin, method="POST")
        status_form = (
            "<form method='post' action='/mycic/status'><label>Client ID<input name='client_id'></label>"
            "<label>or UCI<input name='uci'></label><button>Check status</button></form>"
        )
        self._status_page = self.page("Check your application status", SLOT, crumbs, 24_000)
        self._status_form = Response(200, self._status_page.replace(SLOT.encode(), status_form.encode()))
        self.add("/mycic/status", "dynamic", self._status_get)
        self.add("/mycic/status", "heavy", self._status_post, method="POST")

    def _session_token(self, username: str) -> str:
        mac = hmac.new(self._secret, username.encode(), "sha256").hexdigest()[:24]
        return f"{quote(username, safe='')}.{mac}"

    def _signed_in(self, request: Request) -> bool:
        username, _, mac = request.cookies.get(SESSION_COOKIE, "").rpartition(".")
        return bool(username) and hmac.compare_digest(self._session_token(username).rpartition(".")[2], mac)

    def _signin(self, request: Request) -> Response:
        form = request.form
        try:
            username = check.text(
                form, "username", r"[A-Za-z0-9._@\-]{3,64}", "3 to 64 letters, digits or ._@-"
            )
            check.text(form, "password", r"\S{8,128}", "8 to 128 characters without spaces")
        except FormError as error:
            return self.message_page(400, "Sign in to your account", str(error))
        cookie = f"{SESSION_COOKIE}={self._session_token(username)}; Path=/mycic; HttpOnly"
        return redirect("/mycic/status", headers=(("Set-Cookie", cookie),))

    def _status_get(self, request: Request) -> Response:
        return self._status_form if self._signed_in(request) else redirect("/mycic/signin")

    def _status_post(self, request: Request) -> Response:
        if not self._signed_in(request):
            return redirect("/mycic/signin")
        form = request.form
        number = (form.get("client_id") or form.get("uci") or "").replace("-", "")
        if not number.isdigit() or len(number) not in (8, 10):
            return self.message_page(
                400, "Check your application status", "client_id or uci: expected 8 or 10 digits"
            )
        states = (
            "In progress",
            "Additional documents requested",
            "Decision made",
            "Medical results received",
        )
        state = states[int(number) % len(states)]
        fragment = f"<p>Application for client {number}: <strong id='application-status'>{state}</strong></p>"
        return Response(200, self._status_page.replace(SLOT.encode(), fragment.encode()))

    # --- electronic travel authorization ---------------------------------------------------------------

    def _eta(self) -> None:
        crumbs = (*_HOME, ("Visit", "/english/visit/index.asp"))
        fields = "".join(f"<label>{name}<input name='{name}'></label>" for name in ETA_EXAMPLE)
        form = f"<form method='post' action='/eta/apply'>{fields}<button>Submit and pay CAN$7</button></form>"
        self._fixed(
            "/eta/apply",
            "dynamic",
            "Apply for an Electronic Travel Authorization (eTA)",
            form,
            crumbs,
            26_000,
        )
        self._eta_page = self.page("eTA application received", SLOT, crumbs, 20_000)
        self.add("/eta/apply", "heavy", self._eta_submit, method="POST")

    def _eta_submit(self, request: Request) -> Response:
        form = request.form
        try:
            for name in ("surname", "given_names"):
                check.person_name(form, name)
            check.text(form, "passport", r"[A-Za-z0-9]{6,12}", "6 to 12 letters or digits")
            check.text(form, "country", r"[A-Za-z]{2}", "a two-letter country code")
            check.past_date(form, "birth_date")
            check.email(form, "email")
        except FormError as error:
            return self.message_page(400, "Apply for an eTA: please correct the form", str(error))
        number = "V" + str(int(hashlib.blake2b(request.body, digest_size=4).hexdigest(), 16)).zfill(10)
        fragment = f"<p>Your application number is <strong id='eta-number'>{number}</strong>.</p>"
        return Response(200, self._eta_page.replace(SLOT.encode(), fragment.encode()))

    # --- search and static assets ----------------------------------------------------------------------

    def _search(self) -> None:
        self._index = [(path, route.name) for (method, path), route in self._exact.items() if method == "GET"]
        self._search_page = self.page("Search results", SLOT, _HOME, 24_000)
        self.add("/english/search.asp", "heavy", self._search_results)

    def _search_results(self, request: Request) -> Response:
        words = request.query.get("q", "").lower().split()[:10]
        hits = [path for path, _ in self._index if words and all(word in path.lower() for word in words)]
        fragment = f"<p>{len(hits)} results</p>" + link_list([(path, path) for path in hits[:20]])
        return Response(200, self._search_page.replace(SLOT.encode(), fragment.encode()))

    def _assets(self) -> None:
        assets = {
            "css/wet-boew.css": ("text/css", stylesheet("wet-boew", 60_000)),
            "css/theme.css": ("text/css", stylesheet("theme", 24_000)),
            "js/jquery.js": ("application/javascript", script("jquery", 84_000)),
            "js/wet-boew.js": ("application/javascript", script("wet-boew", 40_000)),
            "img/sig-blk-en.png": ("image/png", png("signature", 60, 20)),
            "img/wmms-blk.png": ("image/png", png("wordmark", 40, 16)),
            "img/banner-home.png": ("image/png", png("banner", 120, 80)),
        }
        self.serve_assets(assets)


def _encode_answers(answers: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(urlencode(answers).encode()).decode().rstrip("=")


def _decode_answers(cookie: str) -> dict[str, str]:
    try:
        text = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4)).decode()
    except ValueError:
        return {}  # a tampered cookie: start the questionnaire afresh
    return dict(parse_qsl(text))


def _checklist_code(encoded_answers: str) -> str:
    digest = hashlib.blake2b(encoded_answers.encode(), digest_size=5).digest()
    return base64.b32encode(digest).decode()
