"""Static files: hashed, compressed names from the collectstatic manifest, with a fallback.

A fresh var directory has no manifest until `grassroots collectstatic` runs. Instead of failing every
page with "Missing staticfiles manifest entry", the storage then hands out the plain names (served by
WhiteNoise from the app static folders, see WHITENOISE_USE_FINDERS in settings) and logs a warning.
"""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger("grassroots.static")


class StaticStorage(CompressedManifestStaticFilesStorage):
    manifest_missing = False

    def load_manifest(self):
        if self.read_manifest() is None:
            self.manifest_missing = True
            logger.warning(
                "No static files manifest in %s: serving unhashed files from the app folders. "
                "Run `grassroots collectstatic` for production.",
                self.location,
            )
        return super().load_manifest()

    def save_manifest(self):
        super().save_manifest()
        self.manifest_missing = False

    def stored_name(self, name):
        if self.manifest_missing:
            return name
        return super().stored_name(name)
