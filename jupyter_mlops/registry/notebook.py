"""The actions behind ``%mlops model ...`` (the grammar is declared in ``notebook/commands.py``).

Each action makes one call into the registry and returns what the cell should display. Plain
Python: errors are the core's typed errors, which the magic turns into one-line UsageErrors.
"""

from __future__ import annotations

from ..errors import InvalidInput
from ..names import digits

ARITY = {"register": 1, "list": 0, "show": 1, "promote": 2, "rollback": 1, "compare": 1, "evaluate": 1,
         "history": 1, "delete": 1}
ACTIONS = tuple(ARITY)


def _variable(namespace: dict, text: str, what: str):
    if text.isidentifier():
        if text not in namespace:
            raise InvalidInput(f"no variable {text!r} in the notebook for {what}")
        return namespace[text]
    return text


def _data(namespace: dict, text: str | None):
    if not text:
        raise InvalidInput("give the data: --data DF (a DataFrame variable) or --data churn@3 (a dataset version)")
    return namespace[text] if text.isidentifier() and text in namespace else text


def _guards(items) -> dict:
    guards = {}
    for item in items or []:
        metric, _, tolerance = item.partition(":")
        try:
            guards[metric] = float(tolerance) if tolerance else 0.0
        except ValueError:
            raise InvalidInput(f"--guard takes METRIC or METRIC:TOLERANCE, e.g. accuracy:0.01; got {item!r}") from None
    return guards


def run_action(args, namespace: dict):
    """Dispatch one parsed ``%mlops model`` line."""
    from .. import registry as api

    action, targets = args.action, args.targets
    if len(targets) != ARITY[action]:
        raise InvalidInput(f"%mlops model {action} takes {ARITY[action]} argument(s), got {len(targets)}; "
                           "see %mlops help model")
    if action == "register":
        if not args.name:
            raise InvalidInput("give the model a name: %mlops model register VAR --name churn")
        model = _variable(namespace, targets[0], "the model")
        example = _variable(namespace, args.example, "the input example") if args.example else None
        version = api.register_model(model, args.name, run=args.run, description=args.description,
                                     input_example=example, flavor=args.flavor)
        lineage = f", run {version.run_id[:8]}" if version.run_id else ", no run"
        trained = f", trained on {', '.join(version.datasets)}" if version.datasets else ""
        print(f"registered {version.ref} ({version.flavor}{lineage}{trained})")
        return version
    if action == "list":
        return api.list_models()
    if action == "show":
        from .card import ModelCard

        return ModelCard(targets[0])
    if action == "promote":
        change = api.set_alias(targets[0], args.alias or 'champion', targets[1], reason=args.reason, action="promote")
        print(change or f"{targets[0]}@{args.alias or 'champion'} already points at version {targets[1]}; nothing recorded")
        return None
    if action == "rollback":
        print(api.rollback(targets[0], args.alias or 'champion', reason=args.reason))
        return None
    if action == "compare":
        policy = api.PromotionPolicy(args.primary, args.min_improvement, _guards(args.guard))
        return api.compare_models(targets[0], args.champion, args.challenger, _data(namespace, args.data), args.target,
                                  policy, promote=args.promote, reason=args.reason)
    if action == "evaluate":
        return api.evaluate(targets[0], _data(namespace, args.data), args.target, args.metric or None)
    if action == "history":
        return api.model_history(targets[0], args.alias)
    deleted = api.delete_model_version(*_name_version(targets[0]))
    print(f"deleted {deleted.ref} (restore_model_version brings it back)")
    return None


def _name_version(ref: str) -> tuple[str, int]:
    name, slash, version = ref.partition("/")
    if not slash or digits(version) is None:
        raise InvalidInput(f"delete takes NAME/VERSION, e.g. churn/2; got {ref[:80]!r}")
    return name, digits(version)
