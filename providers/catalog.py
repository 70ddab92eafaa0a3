"""The providers the gateway knows: one descriptor per package, listed here and nowhere else.

A new provider is a package under ``providers/`` exporting a ``ProviderDescriptor``, and its
descriptor in ``DESCRIPTORS``. Each provider's settings are read from the environment once per
catalog, when first asked for (``check_settings`` reads them all, to fail at start-up).
"""

from collections.abc import Iterable, Mapping

from providers.descriptor import ProviderDescriptor, ProviderSettings
from providers.plivo import DESCRIPTOR as PLIVO
from providers.sandbox import DESCRIPTOR as SANDBOX
from providers.telnyx import DESCRIPTOR as TELNYX

DESCRIPTORS: tuple[ProviderDescriptor, ...] = (SANDBOX, TELNYX, PLIVO)


class ProviderCatalog:
    def __init__(
        self,
        descriptors: Iterable[ProviderDescriptor] = DESCRIPTORS,
        settings: Mapping[str, ProviderSettings] | None = None,
    ) -> None:
        self._descriptors = {d.name: d for d in descriptors}
        stand_ins = [d for d in self._descriptors.values() if not d.live]
        if len(stand_ins) != 1:
            raise ValueError("the catalog needs exactly one provider that serves test mode")
        self.test_stand_in = stand_ins[0]
        self._settings: dict[str, ProviderSettings] = dict(settings or {})

    def names(self) -> tuple[str, ...]:
        return tuple(self._descriptors)

    def live_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self._descriptors.values() if d.live)

    def get(self, name: str) -> ProviderDescriptor | None:
        return self._descriptors.get(name)

    def settings(self, name: str) -> ProviderSettings:
        found = self._settings.get(name)
        if found is None:
            found = self._settings[name] = self._descriptors[name].settings_model()
        return found

    def check_settings(self) -> None:
        """Read every provider's settings now; pydantic's ValidationError names what is wrong."""
        for name in self._descriptors:
            self.settings(name)

    def with_provider(self, descriptor: ProviderDescriptor) -> "ProviderCatalog":
        """This catalog plus one more provider (its settings read from the environment)."""
        return ProviderCatalog((*self._descriptors.values(), descriptor), self._settings)


def default_catalog(**settings: ProviderSettings) -> ProviderCatalog:
    """The catalog of this package; ``settings`` replaces a provider's environment settings."""
    return ProviderCatalog(DESCRIPTORS, settings)
