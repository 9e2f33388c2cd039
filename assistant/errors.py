"""User-facing errors. Each message says what to do about it."""


class AssistantError(Exception):
    """An error caused by input or state the user can fix; the CLI prints it without a traceback."""

    exit_code = 1


class BadQuestion(AssistantError):
    exit_code = 2


class EmptyCorpus(AssistantError):
    pass


class IndexMissing(AssistantError):
    pass


class IndexCorrupt(AssistantError):
    pass


class IndexMismatch(AssistantError):
    pass


class StoreUnavailable(AssistantError):
    """The vector store named in the index cannot be reached (a Milvus server down, a Lite file in use)."""


class BadQuestionSet(AssistantError):
    """A question set (JSONL) that cannot be evaluated: the message names the file and line."""

    exit_code = 2


class SourceMissing(AssistantError):
    """A path given to a build, or a source the index recorded, does not exist: nothing is changed."""

    exit_code = 2


class ReportNotFound(AssistantError):
    exit_code = 2
