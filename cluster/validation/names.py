"""Name, key and label syntax, with apimachinery's messages (util/validation)."""
import re

_QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = f"({_QUALIFIED_NAME_FMT})?"
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = f"{_DNS1123_LABEL_FMT}(\\.{_DNS1123_LABEL_FMT})*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_PERCENT_FMT = "[0-9]+%"

_QUALIFIED_NAME = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_LABEL = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(_DNS1035_LABEL_FMT)
_CONFIG_MAP_KEY = re.compile(_CONFIG_MAP_KEY_FMT)
_PERCENT = re.compile(_PERCENT_FMT)

_QUALIFIED_NAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start "
                       "and end with an alphanumeric character")


def regex_error(message, fmt, *examples):
    """RegexError: the message, examples, and the regex, worded (and spaced) as upstream."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(length):
    return f"must be no more than {length} characters"


def dns1123_subdomain_errors(value):
    errors = [max_len_error(253)] if len(value) > 253 else []
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
            _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def dns1123_label_errors(value):
    if len(value) > 63:
        return [max_len_error(63)]
    if _DNS1123_LABEL.fullmatch(value):
        return []
    if _DNS1123_SUBDOMAIN.fullmatch(value):
        return ["must not contain dots"]
    return [regex_error("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                        "characters or '-', and must start and end with an alphanumeric character",
                        _DNS1123_LABEL_FMT, "my-name", "123-abc")]


def dns1035_label_errors(value):
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _DNS1035_LABEL.fullmatch(value):
        errors.append(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character",
            _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def label_key_errors(key):
    """IsQualifiedName: `[prefix/]name`, as label keys (and annotation keys, lowercased) are."""
    parts = key.split("/")
    if len(parts) > 2:
        return ["a qualified name " + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT,
                                                  "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    errors = []
    if len(parts) == 2:
        prefix = parts[0]
        errors += (["prefix part must be non-empty"] if not prefix else
                   [f"prefix part {m}" for m in dns1123_subdomain_errors(prefix)])
    name = parts[-1]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append(f"name part {max_len_error(63)}")
    if not _QUALIFIED_NAME.fullmatch(name):
        errors.append("name part " + regex_error(_QUALIFIED_NAME_MSG, _QUALIFIED_NAME_FMT,
                                                 "MyName", "my.name", "123-abc"))
    return errors


def label_value_errors(value):
    errors = [max_len_error(63)] if len(value) > 63 else []
    if not _LABEL_VALUE.fullmatch(value):
        errors.append(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character",
            _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def config_map_key_errors(key):
    errors = [max_len_error(253)] if len(key) > 253 else []
    if not _CONFIG_MAP_KEY.fullmatch(key):
        errors.append(regex_error("a valid config key must consist of alphanumeric characters, "
                                  "'-', '_' or '.'", _CONFIG_MAP_KEY_FMT,
                                  "key.name", "KEY_NAME", "key-name"))
    if key in (".", ".."):
        errors.append(f"must not be '{key}'")
    elif key.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def port_name_errors(name):
    """IsValidPortName: an IANA service name."""
    errors = [max_len_error(15)] if len(name) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errors.append("must contain at least one letter (a-z)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def port_number_errors(port):
    return [] if 1 <= port <= 65535 else ["must be between 1 and 65535, inclusive"]


def percent_errors(value):
    if _PERCENT.fullmatch(value):
        return []
    return [regex_error("a valid percent string must be a numeric string followed by an ending "
                        "'%'", _PERCENT_FMT, "1%", "93%")]


def env_var_name_errors(name):
    """IsRelaxedEnvVarName: any printable ASCII but '='."""
    if any(not (" " <= ch <= "~") or ch == "=" for ch in name):
        return [("a valid environment variable name must consist only of printable ASCII "
                 "characters other than '='")]
    return []


# Name functions per kind, as the registries pass them to ValidateObjectMeta. `prefix` is true for
# generateName, whose trailing dash is fine since random characters follow it.

def subdomain_name_errors(name, prefix=False):
    return dns1123_subdomain_errors(_mask_trailing_dash(name) if prefix else name)


def label_name_errors(name, prefix=False):
    return dns1123_label_errors(_mask_trailing_dash(name) if prefix else name)


def dns1035_name_errors(name, prefix=False):
    return dns1035_label_errors(_mask_trailing_dash(name) if prefix else name)


def _mask_trailing_dash(name):
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name
