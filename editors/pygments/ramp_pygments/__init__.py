"""A Pygments lexer for Ramp, the language of training schedules.

Installed as a plugin (the ``pygments.lexers`` entry point), it makes Sphinx,
MkDocs and Jupyter highlight ```ramp`` blocks and ``.ramp`` files. Its word
lists follow ``ramp list --vocabulary``; a test keeps them complete.
"""

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

__all__ = ["RampLexer"]

KEYWORDS = (
    'let', 'def', 'then', 'until', 'for', 'lambda', 'and', 'or', 'not',
)

BUILTINS = (
    'constant', 'linear', 'warmup', 'cosine', 'exponential', 'step', 'multistep', 'polynomial',
    'inverse_sqrt', 'inverse_time', 'tanh_decay', 'cyclic', 'onecycle', 'piecewise', 'interpolate',
    'wsd', 'reduce_on_plateau', 'restarts', 'at', 'hold', 'float32', 'running_product', 'chained',
    'chain', 'plateau', 'cos', 'sin', 'tan', 'exp', 'log', 'sqrt', 'floor', 'ceil', 'abs', 'tanh',
    'mod', 'min', 'max', 'unchecked', 'with_momentum', 'layer_decay', 'chainable', 'product',
    'timestring', 'run_length', 'range', 'milestone_values', 'manual_pieces', 'span', 'cosine_periods', 'composite',
    'len', 'keys', 'values', 'cumprod', 'if', 'coalesce', 'signal', 'step_samples', 'item',
    'with_output',
)

SETTINGS = (
    'base', 'steps_per_epoch', 'samples_per_step', 'tokens_per_step', 'sequence_length', 'total', 'signals',
)

NAMESPACES = (
    'composer', 'deepspeed', 'fairseq', 'fvcore', 'keras', 'megatron', 'mmengine', 'nemo', 'optax',
    'paddle', 'timm', 'torch', 'torchtitan', 'transformers',
)

UNITS = (
    'samples', 'epochs', 'sample', 'tokens', 'epoch', 'steps', 'token', 'step',
)

SPECIALS = ("t", "base", "metric", "lr", "current", "elapsed")
CONSTANTS = ("true", "false", "none", "True", "False", "None", "pi", "inf")

_NUMBER = r"(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?"


class RampLexer(RegexLexer):
    """Ramp programs: ``warmup 5 then cosine(T=50) until plateau(patience 3)``."""

    name = "Ramp"
    aliases = ["ramp"]
    filenames = ["*.ramp"]
    mimetypes = ["text/x-ramp"]
    url = "https://github.com/ramp-lang/ramp"

    tokens = {
        "root": [
            (r"[ \t\r]+", Whitespace),
            (r"\n", Whitespace),
            (r"\\\n", Text),
            (r"#.*?$", Comment.Single),
            (r'"(\\.|[^"\\\n])*"', String.Double),
            (r"'(\\.|[^'\\\n])*'", String.Single),
            # A setting starts its line: `base 0.1`.
            (words(SETTINGS, prefix=r"(?m)^", suffix=r"\b(?=[ \t]*[=:]?[ \t]*[-(0-9.A-Za-z_])"), Keyword.Declaration),
            # A duration: `5 epochs`, `10%`.
            (r"(" + _NUMBER + r")([ \t]*)(%)", bygroups(Number.Float, Whitespace, Keyword.Type)),
            (r"(" + _NUMBER + r")([ \t]*)" + words(UNITS, suffix=r"\b").get(), bygroups(Number.Float, Whitespace, Keyword.Type)),
            (_NUMBER, Number.Float),
            (r"(def)([ \t]+)([A-Za-z_][A-Za-z0-9_.]*)", bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"(let)([ \t]+)([A-Za-z_][A-Za-z0-9_]*)", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (words(("and", "or", "not"), suffix=r"\b"), Operator.Word),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            # A library's constructor: `torch.StepLR`.
            (r"(" + "|".join(NAMESPACES) + r")((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", bygroups(Name.Namespace, Name.Class)),
            # A named argument: `T=50` (not `==`).
            (r"([A-Za-z_][A-Za-z0-9_]*)([ \t]*)(=)(?!=)", bygroups(Name.Attribute, Whitespace, Operator)),
            (words(BUILTINS, suffix=r"\b"), Name.Builtin),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(SPECIALS, suffix=r"\b"), Name.Builtin.Pseudo),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"\*\*|//|<=|>=|==|!=|[-+*/^<>=|%]", Operator),
            (r"[()\[\]{},:;.]", Punctuation),
        ],
    }
