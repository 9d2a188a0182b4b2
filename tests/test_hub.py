"""The local classroom hub (`make hub`): the published student edition, the nbgitpuller link, the hub config,
and a whole round on a real JupyterHub.

The end-to-end test runs as root (it creates two local accounts with useradd, under a unique prefix, and
deletes them after): it publishes the student edition to a bare repository in a temporary folder, starts
JupyterHub with classroom/jupyterhub_config.py on free ports of 127.0.0.1, logs both students in over HTTP
(a cookie jar, as a browser does), opens the nbgitpuller link for each and calls its pull endpoint (what the
link's page does with JavaScript), then checks as the OS users that each has the course in their own home
and cannot read the other's. One student edits a notebook through Jupyter's contents API (what saving in
JupyterLab does), the other deletes one; the course then changes upstream (a new commit: a changed notebook
and a new one) and both pull again: the edit is kept, the conflicting line keeps the student's version, the
change and the new notebook arrive, the deleted notebook is back.
"""

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import nbformat
import pytest

from course_utils import hub, student

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "classroom" / "jupyterhub_config.py"
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"
PREFIX = "rnnhubt"  # every account the test creates starts with it (and is deleted after)
PASSWORD = "course-" + secrets.token_hex(8)
EDITED = "02_bptt.ipynb"  # the student edits this one, and the course changes it too
DELETED = "03_vanishing_gradients.ipynb"
NEW = "09_bonus.ipynb"  # the notebook the course adds
STUB = f"raise NotImplementedError({student.STUB_MESSAGE!r})"
SOLUTION = "    return 'solved by the student'  # the student's answer\n"


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


# ---------------------------------------------------------------- the link and the published branch


def test_the_link_opens_the_pull_of_the_branch_on_the_hub():
    link = hub.puller_link("https://github.com/teacher/rnn-course.git", "student", "https://hub.example.org/")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    assert dict(parse_qsl(parts.query)) == {"repo": "https://github.com/teacher/rnn-course.git", "branch": "student",
                                            "targetpath": hub.TARGET, "urlpath": f"lab/tree/{hub.TARGET}/notebooks"}
    with pytest.raises(ValueError, match="hub_url must be"):
        hub.puller_link("https://github.com/t/r.git", "student", "hub.example.org")
    with pytest.raises(ValueError, match="repo_url must be a git URL"):
        hub.puller_link("/srv/course.git", "student", "https://hub.example.org")
    with pytest.raises(ValueError, match="branch must be"):
        hub.puller_link("https://github.com/t/r.git", "a branch", "https://hub.example.org")


def test_publish_adds_commits_on_top_of_the_branch(tmp_path):
    edition = tmp_path / "student"
    student.build(ROOT / "notebooks", edition)
    repo = tmp_path / "course.git"
    first = hub.publish(edition, repo, images_dir=ROOT / "images")
    assert hub.publish(edition, repo, images_dir=ROOT / "images") == first  # nothing changed: no commit
    published = git("ls-tree", "-r", "--name-only", "student", cwd=repo).split()
    assert sorted(p for p in published if p.startswith("notebooks/")) == \
        sorted(f"notebooks/{p.name}" for p in edition.glob("*.ipynb"))
    for path in edition.glob("*.ipynb"):  # as Jupyter would save it, so a student's save changes only their lines
        nb = nbformat.read(path, as_version=4)
        assert git("show", f"student:notebooks/{path.name}", cwd=repo) == nbformat.writes(nb) + "\n"
        for image in re.findall(r"\.\./images/([\w.-]+)", path.read_text()):
            assert f"images/{image}" in published
    (edition / DELETED).unlink()
    second = hub.publish(edition, repo, images_dir=ROOT / "images")
    assert git("rev-parse", f"{second}^", cwd=repo).strip() == first  # on top of the history, never a rewrite
    assert f"notebooks/{DELETED}" not in git("ls-tree", "-r", "--name-only", "student", cwd=repo)
    assert all(p.stat().st_mode & 0o004 for p in repo.rglob("*") if p.is_file())  # students' servers read it
    with pytest.raises(ValueError, match="found no"):
        hub.publish(tmp_path, repo)


def test_the_hub_packages_are_pinned_exactly():
    # configurable-http-proxy, the npm side, is pinned and locked like every npm tool (tests/test_repo_hygiene.py)
    pins = [line.strip() for line in (ROOT / "requirements-hub.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert {"jupyterhub==6.1.1", "nbgitpuller==1.3.0"} <= set(pins) and all("==" in pin for pin in pins), pins
    course = {line.split("==")[0].lower() for name in ("requirements.txt", "requirements-classroom.txt")
              for line in (ROOT / name).read_text().splitlines() if "==" in line and not line.startswith("#")}
    assert not course & {pin.split("==")[0].lower() for pin in pins}, "a pin of the course is repeated (or moved)"


# ---------------------------------------------------------------- the hub config, read without a hub


def load_config(monkeypatch, **env):
    """The traitlets Config that classroom/jupyterhub_config.py builds from this environment."""
    traitlets_config = pytest.importorskip("traitlets.config")
    for name in [n for n in os.environ if n.startswith("HUB_")]:
        monkeypatch.delenv(name)
    defaults = {"HUB_SERVER_PYTHON": sys.executable, "HUB_COURSE_REPO": "https://example.org/course.git"}
    for name, value in {**defaults, **env}.items():
        monkeypatch.setenv(name, value)
    c = traitlets_config.Config()
    namespace = {"get_config": lambda: c, "__file__": str(CONFIG)}
    exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), namespace)
    return c


def test_the_config_refuses_to_start_without_a_password_or_students(monkeypatch, tmp_path):
    me = pwd.getpwuid(os.geteuid()).pw_name
    state = str(tmp_path / "state")
    with pytest.raises(SystemExit, match="HUB_PASSWORD must be set"):
        load_config(monkeypatch, HUB_USERS="somebody", HUB_STATE_DIR=state)
    with pytest.raises(SystemExit, match="8 characters or more"):
        load_config(monkeypatch, HUB_PASSWORD="short", HUB_USERS="somebody", HUB_STATE_DIR=state)
    with pytest.raises(SystemExit, match="HUB_USERS must name"):
        load_config(monkeypatch, HUB_PASSWORD=PASSWORD, HUB_STATE_DIR=state)
    with pytest.raises(SystemExit, match="not a local account"):
        load_config(monkeypatch, HUB_PASSWORD=PASSWORD, HUB_USERS=PREFIX + "nobody", HUB_STATE_DIR=state)
    if os.geteuid() == 0:
        with pytest.raises(SystemExit, match="must not name 'root'"):
            load_config(monkeypatch, HUB_PASSWORD=PASSWORD, HUB_USERS=me, HUB_STATE_DIR=state)
    else:
        c = load_config(monkeypatch, HUB_PASSWORD=PASSWORD, HUB_USERS=me, HUB_STATE_DIR=state)
        assert c.Authenticator.allowed_users == {me}


def test_the_config_binds_loopback_and_lands_on_the_pull(monkeypatch, tmp_path):
    account = next((p for p in pwd.getpwall() if p.pw_uid != 0 and (os.geteuid() == 0 or p.pw_uid == os.geteuid())),
                   None)
    if account is None:
        pytest.skip("no local account other than root to name in HUB_USERS")
    c = load_config(monkeypatch, HUB_PASSWORD=PASSWORD, HUB_USERS=account.pw_name, HUB_PORT="18123",
                    HUB_STATE_DIR=str(tmp_path / "state"))
    assert c.JupyterHub.bind_url == "http://127.0.0.1:18123"
    assert c.JupyterHub.hub_ip == c.Spawner.ip == "127.0.0.1"
    assert urlsplit(c.ConfigurableHTTPProxy.api_url).hostname == "127.0.0.1"
    assert c.Authenticator.allowed_users == {account.pw_name} and "root" in c.Authenticator.blocked_users
    landing = urlsplit(c.Spawner.default_url)
    assert landing.path == "/git-pull"
    assert dict(parse_qsl(landing.query))["repo"] == "https://example.org/course.git"
    assert c.JupyterHub.db_url.startswith(f"sqlite:///{tmp_path / 'state'}")


# ---------------------------------------------------------------- a whole round on a real hub


def missing_for_the_round():
    """Why the end-to-end round cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root: it creates two local accounts with useradd (run as root, e.g. in CI)"
    for tool in ("useradd", "userdel", "runuser", "git"):
        if not shutil.which(tool):
            return f"{tool} not found"
    if not JUPYTERHUB.exists():
        return f"JupyterHub is not installed in {JUPYTERHUB.parent} (make hub installs requirements-hub.txt)"
    if not PROXY.exists() and not shutil.which("configurable-http-proxy"):
        return "configurable-http-proxy not found (npm ci installs it from package.json; needs node)"
    return None


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def remove_account(name):
    """Stop every process of a test account (each by its pid), then delete the account."""
    psutil = pytest.importorskip("psutil")
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for proc in psutil.process_iter(["uids"]):
        if proc.info["uids"] and proc.info["uids"].real == uid:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
    subprocess.run(["userdel", name], check=False, capture_output=True)


def as_user(name, *command):
    return subprocess.run(["runuser", "-u", name, "--", *command], capture_output=True, text=True, cwd="/")


class Student:
    """One student's browser: a cookie jar on the hub."""

    def __init__(self, base, name):
        import requests

        self.base, self.name, self.http = base, name, requests.Session()

    def log_in(self):
        page = self.http.get(f"{self.base}/hub/login", timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        assert page.status_code == 200 and xsrf, "the hub's login page has no form"
        done = self.http.post(f"{self.base}/hub/login", timeout=60,
                              data={"username": self.name, "password": PASSWORD, "_xsrf": xsrf[1]})
        assert "jupyterhub-hub-login" in self.http.cookies, f"login failed for {self.name}: {done.status_code}"

    def wait_for_server(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page = self.http.get(f"{self.base}/user/{self.name}/lab", timeout=30)
            if page.status_code == 200 and urlsplit(page.url).path == f"/user/{self.name}/lab":
                return
            time.sleep(0.5)
        raise AssertionError(f"{self.name}'s server did not start in {timeout} s (last: {page.status_code} {page.url})")

    def open_link(self, link):
        """Open the nbgitpuller link and do what its page's script does: call git-pull/api and read the stream."""
        page = self.http.get(link, timeout=60)
        assert page.status_code == 200 and urlsplit(page.url).path == f"/user/{self.name}/git-pull", page.url
        query = dict(parse_qsl(urlsplit(page.url).query))
        query.pop("urlpath")
        stream = self.http.get(f"{self.base}/user/{self.name}/git-pull/api", params=query, timeout=120)
        events = [json.loads(line[len("data: "):]) for line in stream.text.splitlines() if line.startswith("data: ")]
        assert events and events[-1]["phase"] == "finished", f"pull failed for {self.name}: {events[-1:]}"
        return events

    def contents(self, path, method="GET", **kwargs):
        headers = {"X-XSRFToken": self.http.cookies.get("_xsrf", path=f"/user/{self.name}/") or ""}
        answer = self.http.request(method, f"{self.base}/user/{self.name}/api/contents/{path}", headers=headers,
                                   timeout=60, **kwargs)
        assert answer.ok, f"{method} {path} as {self.name}: {answer.status_code} {answer.text[:200]}"
        return answer.json() if answer.text else None


@pytest.fixture
def local_hub():
    """Two fresh local accounts, the published course and a running hub; everything removed afterwards."""
    reason = missing_for_the_round()
    if reason:
        pytest.skip(reason)
    pytest.importorskip("requests")
    psutil = pytest.importorskip("psutil")
    for old in pwd.getpwall():  # accounts a killed earlier run left behind
        if old.pw_name.startswith(PREFIX) and old.pw_dir.startswith(os.path.join(tempfile.gettempdir(), "rnn-hub-")):
            remove_account(old.pw_name)
    tmp = Path(tempfile.mkdtemp(prefix="rnn-hub-"))
    tmp.chmod(0o755)  # the students' servers read the course repository and their homes in here
    tag = secrets.token_hex(3)
    names = [f"{PREFIX}{tag}a", f"{PREFIX}{tag}b"]
    hub_process = log = None
    try:
        for name in names:
            subprocess.run(["useradd", "--create-home", "--home-dir", str(tmp / "home" / name), "--user-group",
                            "--shell", "/bin/bash", name], check=True, capture_output=True)
        edition = tmp / "student"
        student.build(ROOT / "notebooks", edition)
        repo = tmp / "course.git"
        hub.publish(edition, repo, images_dir=ROOT / "images")
        port, api_port, proxy_port = free_ports(3)
        env = {**os.environ, "HUB_PASSWORD": PASSWORD, "HUB_USERS": ",".join(names), "HUB_PORT": str(port),
               "HUB_API_PORT": str(api_port), "HUB_PROXY_API_PORT": str(proxy_port),
               "HUB_STATE_DIR": str(tmp / "state"), "HUB_COURSE_REPO": repo.as_uri(),
               "HUB_SERVER_PYTHON": hub.server_python(tmp / "python"),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        log = open(tmp / "hub.log", "w")
        hub_process = subprocess.Popen([str(JUPYTERHUB), "-f", str(CONFIG)], env=env, cwd=tmp, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        import requests

        while True:
            assert hub_process.poll() is None, f"the hub stopped: {(tmp / 'hub.log').read_text()[-3000:]}"
            try:
                if requests.get(f"{base}/hub/health", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"the hub did not answer: {(tmp / 'hub.log').read_text()[-3000:]}"
            time.sleep(0.5)
        yield {"tmp": tmp, "names": names, "base": base, "repo": repo, "edition": edition, "hub": hub_process,
               "ports": (port, api_port, proxy_port)}
    finally:
        if hub_process is not None and hub_process.poll() is None:
            hub_process.send_signal(signal.SIGTERM)  # the hub stops the students' servers and the proxy itself
            try:
                hub_process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(hub_process.pid, signal.SIGKILL)
                hub_process.wait()
        pid_file = tmp / "state" / "proxy.pid"
        if pid_file.exists() and psutil.pid_exists(int(pid_file.read_text() or 0)):
            psutil.Process(int(pid_file.read_text())).kill()
        for name in names:
            remove_account(name)
        if log is not None:
            log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def listening(pids):
    """(ip, port) of every listening TCP socket of these processes."""
    import psutil

    return {(c.laddr.ip, c.laddr.port) for c in psutil.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN and c.pid in pids}


def test_two_students_pull_the_course_and_keep_their_edits(local_hub):
    import psutil

    names, base, repo = local_hub["names"], local_hub["base"], local_hub["repo"]
    link = hub.puller_link(repo.as_uri(), hub.BRANCH, base)
    alice, bob = (Student(base, name) for name in names)
    homes = {name: Path(pwd.getpwnam(name).pw_dir) for name in names}
    course = {name: homes[name] / hub.TARGET / "notebooks" for name in names}

    for who in (alice, bob):
        who.log_in()  # logging in starts the student's server: both start at once
    for who in (alice, bob):
        who.wait_for_server()
        who.open_link(link)
    for name in names:  # each has the course in their own home, as their own files
        assert sorted(p.name for p in course[name].glob("*.ipynb")) == \
            sorted(p.name for p in local_hub["edition"].glob("*.ipynb"))
        assert (course[name] / EDITED).stat().st_uid == pwd.getpwnam(name).pw_uid
        # the figures travel inside the notebooks, as cell attachments
        assert '"attachments"' in (course[name] / EDITED).read_text()
        assert as_user(name, "cat", str(course[name] / EDITED)).returncode == 0
    for reader, owner in (names, names[::-1]):  # ... and cannot read the other's
        denied = as_user(reader, "cat", str(course[owner] / EDITED))
        assert denied.returncode != 0 and "Permission denied" in denied.stderr, (reader, owner, denied)
        assert as_user(reader, "ls", str(homes[owner])).returncode != 0
    servers = {p.pid for p in psutil.process_iter(["uids"])
               if p.info["uids"] and p.info["uids"].real in {pwd.getpwnam(n).pw_uid for n in names}}
    hub_tree = {local_hub["hub"].pid, *(p.pid for p in psutil.Process(local_hub["hub"].pid).children(recursive=True))}
    sockets = listening(servers | hub_tree)
    assert {port for _, port in sockets} >= set(local_hub["ports"]) and len(servers) >= 2
    assert {ip for ip, _ in sockets} == {"127.0.0.1"}, f"something listens beyond loopback: {sockets}"

    # alice solves the first exercise and adds a note (saved by Jupyter); bob deletes a chapter
    path = f"{hub.TARGET}/notebooks/{EDITED}"
    model = alice.contents(path)
    nb = model["content"]
    exercise = next(c for c in nb["cells"] if c["cell_type"] == "code" and STUB in c["source"])
    exercise["source"] = "".join(SOLUTION if STUB in line else line for line in exercise["source"].splitlines(True))
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "My notes: BPTT sums over time.",
                        "id": "alice-notes"})
    alice.contents(path, "PUT", json={"type": "notebook", "format": "json", "content": nb})
    bob.contents(f"{hub.TARGET}/notebooks/{DELETED}", "DELETE")

    # the course changes upstream: the title of the edited notebook, the stub line alice replaced, a new notebook
    edition = local_hub["edition"]
    upstream = json.loads((edition / EDITED).read_text())
    upstream["cells"][0]["source"] = "".join(upstream["cells"][0]["source"]).replace("# Chapter 02", "# Chapter 2", 1)
    for cell in upstream["cells"]:
        if cell["cell_type"] == "code" and STUB in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace(STUB, STUB + "  # changed upstream", 1)
            break
    (edition / EDITED).write_text(json.dumps(upstream, indent=1, ensure_ascii=False) + "\n")
    bonus = json.loads((edition / "01_recurrent_neuron.ipynb").read_text())
    bonus["cells"][0]["source"] = "# Bonus chapter\n"
    (edition / NEW).write_text(json.dumps(bonus, indent=1))
    hub.publish(edition, repo, images_dir=ROOT / "images", message="Chapter 2 retitled; a bonus chapter")

    for who in (alice, bob):
        who.open_link(link)
    mine = nbformat.read(course[names[0]] / EDITED, as_version=4)
    nbformat.validate(mine)
    sources = [c.source for c in mine.cells]
    assert sources[0].startswith("# Chapter 2 "), "the course's change did not arrive"
    assert any(SOLUTION.strip() in s for s in sources) and "My notes: BPTT sums over time." in sources, \
        "the student's edit was lost"
    assert not any("changed upstream" in s for s in sources), "on the conflicting line the student's version wins"
    for name in names:
        assert (course[name] / NEW).is_file() and (course[name] / NEW).stat().st_uid == pwd.getpwnam(name).pw_uid
    theirs = course[names[1]]
    assert (theirs / DELETED).is_file(), "a notebook the student deleted comes back"
    assert (theirs / EDITED).read_text() == git("show", f"{hub.BRANCH}:notebooks/{EDITED}", cwd=repo)
