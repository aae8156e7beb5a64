"""New Zealand Now (residency and student visas), the site of figures N1 and N2 (content invented)."""

from __future__ import annotations

from target_app.http import Request, Response
from target_app.site import forms as check
from target_app.site.assets import png, script, stylesheet
from target_app.site.base import SLOT, FormError, Site
from target_app.site.layout import Theme, link_list

INTERESTS = ("residence", "study", "work", "invest")
REGISTER_EXAMPLE = {"first_name": "Jane", "last_name": "Smith", "email": "jane.smith@example.com",
                    "country": "US", "interest": "residence"}  # fmt: skip
_NAV = (("Home", "/"), ("Residence visas", "/visa/residence"), ("Student visas", "/visa/study"),
        ("Register your interest", "/register"))  # fmt: skip


class NzNowSite(Site):
    name = "nz-now"

    def __init__(self) -> None:
        self.theme = Theme(
            site_name="New Zealand Now",
            lang="en-NZ",
            stylesheets=("/assets/css/nzn.css",),
            scripts=("/assets/js/nzn.js",),
            header_html=f'<header><img src=/assets/img/nzn-logo.png alt="">{link_list(list(_NAV))}</header>',
            footer_html="<footer><p>New Zealand Now is run by Immigration New Zealand.</p></footer>",
        )
        super().__init__()
        home = (("Home", "/"),)
        for path, title, size in (
            ("/", "Live, work and study in New Zealand", 40_000),
            ("/visa/residence", "Residence visas", 34_000),
            ("/visa/study", "Student visas", 30_000),
        ):
            response = Response(200, self.page(title, '<img src="/assets/img/hero.png" alt="">', home, size))
            self.add(path, "dynamic", lambda request, response=response: response)
        fields = "".join(f"<label>{name}<input name='{name}'></label>" for name in REGISTER_EXAMPLE)
        form = f"<form method='post' action='/register'>{fields}<button>Register</button></form>"
        register_form = Response(200, self.page("Register your interest", form, home, 22_000))
        self.add("/register", "dynamic", lambda request: register_form)
        self._thanks_page = self.page("Thank you for registering", SLOT, home, 18_000)
        self.add("/register", "heavy", self._register, method="POST")
        self.serve_assets(
            {
                "css/nzn.css": ("text/css", stylesheet("nzn", 45_000)),
                "js/nzn.js": ("application/javascript", script("nzn", 60_000)),
                "img/nzn-logo.png": ("image/png", png("nzn-logo", 50, 20)),
                "img/hero.png": ("image/png", png("hero", 140, 90)),
            }
        )

    def _register(self, request: Request) -> Response:
        form = request.form
        try:
            first = check.person_name(form, "first_name")
            check.person_name(form, "last_name")
            check.email(form, "email")
            check.text(form, "country", r"[A-Za-z]{2}", "a two-letter country code")
            interest = check.choice(form, "interest", INTERESTS)
        except FormError as error:
            return self.message_page(400, "Register your interest: please correct the form", str(error))
        fragment = f"<p id='registered'>Thank you, {first}. We will send you {interest} information.</p>"
        return Response(200, self._thanks_page.replace(SLOT.encode(), fragment.encode("utf-8")))
