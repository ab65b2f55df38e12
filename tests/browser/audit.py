"""Page audits shared by the browser tests: axe-core, console and CSP errors, overflow."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` at the repository root (scripts/test does).")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, label: str = "") -> list[str]:
    """axe-core's violations (WCAG 2.1 A/AA and best practices) on the page as it is now.

    axe is evaluated through the DevTools protocol, so the page's CSP does not block it.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
          return result.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
        }""",
        AXE_TAGS,
    )
    return [f"{label} {v['id']}: {v['help']} {v['nodes']}" for v in violations]


# Installed before any page script: records CSP violations the console may not show.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class ConsoleWatch:
    """Console errors, uncaught exceptions and CSP violations of a page, collected."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.add_init_script(CSP_LISTENER)
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console.{m.type}: {m.text}")
                if m.type in {"error", "warning"}
                else None
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def problems(self) -> list[str]:
        csp = self.page.evaluate("window.__cspViolations || []")
        return self.errors + [f"CSP: {v}" for v in csp]


def sideways_overflow(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it fits the viewport)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
