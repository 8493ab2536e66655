from tests.actions.support import bank  # noqa: F401  (fixture)
