"""The ``Status`` bodies a real API server sends, shape for shape (recorded from kube-apiserver v1.36).

Each function returns ``(code, status_dict)``; messages are the apiserver's
own words (``k8s.io/apimachinery/pkg/api/errors``), so code that matches on
them, and dynclient's error tree, see what a real cluster would send.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

__all__ = [
    "ApiError", "status", "not_found", "already_exists", "conflict", "invalid", "bad_request",
    "resource_not_found", "expired", "method_not_allowed", "apply_conflict", "success", "internal_error",
]

Status = Dict[str, Any]


class ApiError(Exception):
    """Raised inside the fake to answer a request with a Status (never reaches the caller as itself)."""

    def __init__(self, code: int, body: Status) -> None:
        super().__init__(body.get("message", ""))
        self.code = code
        self.body = body


def status(code: int, reason: str, message: str, details: Optional[Dict[str, Any]] = None) -> ApiError:
    body: Status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                    "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return ApiError(code, body)


def _details(resource: str, name: str, group: str) -> Dict[str, Any]:
    return {"name": name, **({"group": group} if group else {}), "kind": resource}


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    return status(404, "NotFound", f'{_qualified(resource, group)} "{name}" not found',
                  _details(resource, name, group))


def resource_not_found() -> ApiError:
    """The 404 for a path no resource is served at (the mux's, not the registry's)."""
    return status(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    return status(409, "AlreadyExists", f'{_qualified(resource, group)} "{name}" already exists',
                  _details(resource, name, group))


def conflict(resource: str, name: str, group: str = "", why: str = "the object has been modified; please apply "
             "your changes to the latest version and try again") -> ApiError:
    return status(409, "Conflict", f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": {why}',
                  _details(resource, name, group))


def invalid(kind: str, name: str, causes: List[Tuple[str, str, str]], group: str = "") -> ApiError:
    """422 Invalid; ``causes`` are ``(reason, field, message)`` as field.ErrorList renders them."""
    parts = [f"{field}: {message}" for _, field, message in causes]
    text = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details: Dict[str, Any] = {}
    if group:
        details["group"] = group
    details["kind"] = kind
    if name:
        details["name"] = name
    details["causes"] = [{"reason": r, "message": m, "field": f} for r, f, m in causes]
    return status(422, "Invalid", f'{kind}{"." + group if group else ""} "{name}" is invalid: {text}', details)


def name_required(kind: str, group: str = "") -> ApiError:
    return invalid(kind, "", [("FieldValueRequired", "metadata.name",
                               "Required value: name or generateName is required")], group)


def bad_request(message: str) -> ApiError:
    return status(400, "BadRequest", message)


def expired(message: str) -> ApiError:
    return status(410, "Expired", message)


def method_not_allowed(method: str, resource: str) -> ApiError:
    return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                  {})


def internal_error(message: str) -> ApiError:
    return status(500, "InternalError", f"Internal error occurred: {message}",
                  {"causes": [{"message": message}]})


def apply_conflict(conflicts: List[Tuple[str, str]]) -> ApiError:
    """SSA's 409: ``conflicts`` are ``(manager, field path)`` pairs, sorted as the server sorts them."""
    conflicts = sorted(conflicts)
    by_manager: Dict[str, List[str]] = {}
    for manager, field in conflicts:
        by_manager.setdefault(manager, []).append(field)
    noun = "conflict" if len(conflicts) == 1 else "conflicts"
    if len(by_manager) == 1:
        (manager, fields), = by_manager.items()
        text = f'Apply failed with {len(conflicts)} {noun}: conflicts with "{manager}":\n' + "\n".join(
            f"- {f}" for f in fields)
    else:
        text = f"Apply failed with {len(conflicts)} {noun}: " + "\n".join(
            f'conflicts with "{m}":\n' + "\n".join(f"- {f}" for f in fs) for m, fs in by_manager.items())
    causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}"', "field": f} for m, f in conflicts]
    return status(409, "Conflict", text, {"causes": causes})


def success(resource: str, name: str, uid: str, group: str = "") -> Status:
    """The ``Status`` a DELETE returns for kinds whose registry does not return the object."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {**_details(resource, name, group), "uid": uid}}
