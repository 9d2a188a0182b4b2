"""JupyterHub configuration for trying the classroom on one machine (`make hub`): local trials only.

Binds 127.0.0.1 only (the proxy, the hub and every student server). Students log in with one shared
password (HUB_PASSWORD) under their names in HUB_USERS, which must be real local accounts: each one's
server runs as that user, in that user's home, which the hub makes private (mode 0700) before the start.
Run as root to serve several accounts; run as yourself and HUB_USERS can only be your own name. A real
class runs on Kubernetes instead (classroom/z2jh/, README "Running a class").

The landing page of every server is the nbgitpuller link of HUB_COURSE_REPO's branch HUB_COURSE_BRANCH:
the first visit clones the student edition into ~/rnn-course, every later visit merges the course's new
commits into it, keeping the student's edits.

Environment (all optional but the first two):
    HUB_PASSWORD         the shared password, 8 characters or more (required)
    HUB_USERS            comma-separated local user names allowed to log in (required; never root)
    HUB_PORT             the proxy's public port on 127.0.0.1 (8000)
    HUB_API_PORT         the hub's own port, where the proxy and the servers reach it (8081)
    HUB_PROXY_API_PORT   configurable-http-proxy's REST API port (8001)
    HUB_STATE_DIR        the hub's database, cookie secret and proxy pid file (build/hub/state)
    HUB_COURSE_REPO      git URL of the student edition (file://<repo>/build/hub/course.git, built by make hub)
    HUB_COURSE_BRANCH    its branch (student)
    HUB_SERVER_PYTHON    the Python that runs the students' servers and kernels: by default the hub's own where
                         every account can read it, else a venv made in build/hub/python from a readable Python
                         of the same version that imports the hub's packages (course_utils.hub.server_python)
"""

import os
import pwd
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from course_utils import hub

c = get_config()  # noqa: F821 (JupyterHub provides it)

ROOT = Path(__file__).resolve().parents[1]
IP = "127.0.0.1"  # local trials only: nothing here is served beyond this machine


def setting(name, default=None):
    """An environment setting, stripped; `default` where it is unset or empty."""
    return os.environ.get(name, "").strip() or default


def port(name, default):
    """A TCP port from the environment, checked."""
    value = setting(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SystemExit(f"{name} must be a TCP port number (1-65535), got {value!r}")
    return int(value)


password = os.environ.get("HUB_PASSWORD", "")
if len(password) < 8:
    raise SystemExit("HUB_PASSWORD must be set to the students' shared password, 8 characters or more "
                     f"(got {'nothing' if not password else f'{len(password)} characters'}); "
                     "for example: HUB_PASSWORD='choose-one' HUB_USERS=alice,bob make hub")
users = sorted({name.strip() for name in setting("HUB_USERS", "").split(",") if name.strip()})
if not users:
    raise SystemExit("HUB_USERS must name the local accounts that may log in, comma-separated, "
                     "e.g. HUB_USERS=alice,bob (as root, create them first: useradd --create-home alice)")
for name in users:
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        raise SystemExit(f"HUB_USERS names {name!r}, which is not a local account: create it first "
                         f"(as root: useradd --create-home {name})") from None
    if account.pw_uid == 0:
        raise SystemExit(f"HUB_USERS must not name {name!r}: its server would run as root")
    if os.geteuid() != 0 and account.pw_uid != os.geteuid():
        raise SystemExit(f"the hub runs as {pwd.getpwuid(os.geteuid()).pw_name}, not root, so it can start servers "
                         f"only for that account, not for {name!r}: run make hub as root, or set HUB_USERS to yours")

state = Path(setting("HUB_STATE_DIR", str(ROOT / "build" / "hub" / "state")))
state.mkdir(parents=True, exist_ok=True, mode=0o700)
course_repo = setting("HUB_COURSE_REPO", (ROOT / "build" / "hub" / "course.git").as_uri())
course_branch = setting("HUB_COURSE_BRANCH", hub.BRANCH)
proxy = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
try:  # the hub's venv runs the students' servers and kernels too, through an interpreter they can read
    server_python = setting("HUB_SERVER_PYTHON") or hub.server_python(ROOT / "build" / "hub" / "python")
except RuntimeError as err:
    raise SystemExit(f"the students' servers need a Python every account can run: {err}") from None

# --- where it listens: 127.0.0.1 only
c.JupyterHub.bind_url = f"http://{IP}:{port('HUB_PORT', 8000)}"
c.JupyterHub.hub_ip = IP
c.JupyterHub.hub_port = port("HUB_API_PORT", 8081)
c.ConfigurableHTTPProxy.api_url = f"http://{IP}:{port('HUB_PROXY_API_PORT', 8001)}"
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else shutil.which("configurable-http-proxy")
                                   or "configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.Spawner.ip = IP

# --- state in one folder (the hub's defaults write into the current directory)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")

# --- who logs in: the shared-password authenticator (JupyterHub's dummy authenticator with a password,
# renamed in JupyterHub 5.3), only the listed accounts, never root
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allowed_users = set(users)
c.Authenticator.blocked_users = {"root"}

# --- each student's server: a local process as that user, in the user's home, opening the course
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [server_python, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/git-pull?" + hub.git_pull_query(course_repo, course_branch)
c.Spawner.environment = {"PATH": f"{Path(server_python).parent}:/usr/local/bin:/usr/bin:/bin"}  # its python3 first
if course_repo.startswith("file://"):
    # git refuses to read a repository another account owns ("dubious ownership") unless a protected config
    # -- system or global, not the environment -- lists it in safe.directory: the servers get a system config
    # of their own that does, beside the repository they read (the students' own ~/.gitconfig still counts).
    repo_path = Path(urlsplit(course_repo).path)
    if not repo_path.is_dir():
        raise SystemExit(f"HUB_COURSE_REPO is {course_repo}, and {repo_path} is no repository: run make hub, "
                         "which publishes the student edition there")
    students_gitconfig = repo_path / "students.gitconfig"
    students_gitconfig.write_text(f"[include]\n\tpath = /etc/gitconfig\n[safe]\n\tdirectory = {repo_path}\n")
    students_gitconfig.chmod(0o644)
    c.Spawner.environment["GIT_CONFIG_SYSTEM"] = str(students_gitconfig)
c.Spawner.start_timeout = 120  # a busy 2-core machine takes tens of seconds to start JupyterLab
c.Spawner.http_timeout = 90


def private_home(spawner):
    """Before a server starts: its user's home exists and is readable by that user alone (mode 0700)."""
    home = Path(pwd.getpwnam(spawner.user.name).pw_dir)
    if not home.is_dir():
        raise RuntimeError(f"the home of {spawner.user.name}, {home}, does not exist: create the account with "
                           f"useradd --create-home")
    if os.geteuid() == 0:
        home.chmod(0o700)


c.Spawner.pre_spawn_hook = private_home
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the students' servers
