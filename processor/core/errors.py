"""The one small exception tree. Exceptions mean "cannot go on"; problems in a form are findings."""


class SelfevalError(Exception):
    """Base of every error the CLI turns into a message and an exit status."""

    exit_code = 2


class UsageError(SelfevalError):
    """The user asked for something that cannot be done as asked (a missing path, a bad option)."""

    exit_code = 2


class OutputError(SelfevalError):
    """The summary could not be written (folder not writable, disk full). The previous one is intact."""

    exit_code = 3


BROKEN_POOL = ("一个并行进程意外退出（多半是内存不足）。原有汇总表未被改动；"
               "请用 --jobs（或 selfeval.toml 的 [review] jobs）减少并行进程数后重新运行。")


class ConfigError(SelfevalError):
    """selfeval.toml is missing, malformed, or has a bad key; the message names the key."""

    exit_code = 4


class AlreadyRunning(SelfevalError):
    """Another run holds the lock: this one exits at once and touches nothing."""

    exit_code = 5


class LedgerError(SelfevalError):
    """The ledger database is damaged; it has been moved aside and can be rebuilt from the archive."""

    exit_code = 7
