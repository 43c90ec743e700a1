"""What the model registry keeps in the store's artifact folder: each model version's file.

Deleted versions keep theirs too (``restore_model_version`` brings them back), so gc keeps every
``model_versions.sha256``.
"""

from __future__ import annotations

from ..store.declared import declare_blob_reference

declare_blob_reference("model_versions", "sha256")
