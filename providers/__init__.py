"""Provider adapters behind one Protocol (``providers.base.Provider``)."""
