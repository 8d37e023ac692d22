"""The dashboard's DOM contract, as the browser tests find things in it.

Node cards: section.node-card#node-NAME[data-node][data-ready][data-cordoned]; pod chips:
li.pod-chip[data-pod="NAMESPACE/NAME"][data-state]; the unscheduled lane: section#unscheduled;
the editor: textarea#manifest (enhanced by CodeMirror 5: div.CodeMirror), buttons Validate and Apply, errors in
ul#editor-errors > li[data-line], success in #editor-result.
"""
import uuid


def node_card(page, node):
    return page.locator(f'section.node-card[data-node="{node}"]')


def chips(page, prefix, *, state=None, node=None, unscheduled=False, without=None):
    """Pod chips whose `namespace/name` starts with `prefix`, optionally in one state, on one
    node's card (or the unscheduled lane), leaving out one pod."""
    selector = f'li.pod-chip[data-pod^="{prefix}"]'
    if state:
        selector += f'[data-state="{state}"]'
    if without:
        selector += f':not([data-pod="{without}"])'
    if node:
        selector = f'section.node-card[data-node="{node}"] {selector}'
    elif unscheduled:
        selector = f"section#unscheduled {selector}"
    return page.locator(selector)


def mark_document(page):
    """Leave a token in the page's window: still there later means no reload or navigation."""
    token = uuid.uuid4().hex
    page.evaluate("token => { window.__kubesimMarker = token; }", token)
    return token


def assert_not_reloaded(page, token):
    assert page.evaluate("() => window.__kubesimMarker") == token, "the page was reloaded"


def set_manifest(page, text):
    """Put a manifest into the editor through CodeMirror, which enhances textarea#manifest: what
    the server gets is then the editor's promise to sync the textarea before every request."""
    page.locator(".CodeMirror").wait_for()
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)


def click_action(scope, name):
    """Press an action button, opening the menu (details/summary) that holds it if it is shut."""
    button = scope.get_by_role("button", name=name, exact=True)
    if not button.is_visible():
        # A shut menu's buttons are not in the accessibility tree: find the menu by its markup.
        holds_button = scope.page.locator(f'button:text-is("{name}")')
        scope.locator("details", has=holds_button).locator("summary").first.click()
    button.click()
