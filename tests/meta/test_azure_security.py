"""The Bicep templates keep an audit trail (Storage, Cosmos DB and Key Vault log to Log
Analytics), give the app's identity its storage roles on the narrowest scopes, scan uploads
for malware (on in prod), and pass the internal API's allowed networks to the app."""

from __future__ import annotations

import re

import pytest

from tests.meta.bicep_text import (
    AZURE,
    MAIN,
    MODULES,
    Resource,
    module_params,
    resources_of_type,
    variables,
)

DIAGNOSTICS = "Microsoft.Insights/diagnosticSettings"
ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
STORAGE = MODULES / "storage.bicep"
ROLES = MODULES / "role-assignments.bicep"
# Azure's built-in role definitions, by id (learn.microsoft.com, built-in roles, Storage).
BUILT_IN_ROLES = {
    "storageBlobDataOwner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "storageBlobDataContributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "storageBlobDataReader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "storageBlobDelegator": "db58b8e5-c6ad-4a2a-8342-4190687cbf4a",
    "storageQueueDataContributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "keyVaultSecretsUser": "4633458b-17de-408a-b874-0445c86b69e6",
}
BLOB_DATA_ROLES = {
    "storageBlobDataOwner",
    "storageBlobDataContributor",
    "storageBlobDataReader",
    "packageRole",
}


def _diagnostics(module: str) -> dict[str, Resource]:
    """The module's diagnostic settings, by the resource they are scoped to."""
    found = {}
    for setting in resources_of_type(MODULES / f"{module}.bicep", DIAGNOSTICS):
        assert setting.property("workspaceId") == "logAnalyticsWorkspaceId", setting.symbol
        found[setting.property("scope") or ""] = setting
    return found


def _categories(setting: Resource) -> set[str]:
    return set(re.findall(r"category: '(\w+)'", setting.body))


# Audit trail


@pytest.mark.parametrize("module", ["storage", "cosmos", "keyVault"])
def test_each_audited_module_is_given_the_log_analytics_workspace(module: str) -> None:
    assert module_params(module)["logAnalyticsWorkspaceId"] == "monitoring.outputs.workspaceId"


def test_the_monitoring_module_outputs_its_workspace() -> None:
    text = (MODULES / "monitoring.bicep").read_text(encoding="utf-8")
    assert "output workspaceId string = workspace.id" in text


def test_blob_and_queue_reads_writes_and_deletes_are_logged() -> None:
    settings = _diagnostics("storage")
    assert set(settings) == {"blobService", "queueService"}
    storage_logs = variables(STORAGE)
    assert "storageAuditLogs" in storage_logs
    text = STORAGE.read_text(encoding="utf-8")
    block = text[text.index("var storageAuditLogs") :].split("\n]\n")[0]
    assert set(re.findall(r"category: '(\w+)'", block)) == {
        "StorageRead",
        "StorageWrite",
        "StorageDelete",
    }
    for setting in settings.values():
        assert setting.property("logs") == "storageAuditLogs"


def test_cosmos_data_and_control_plane_requests_are_logged_but_no_partition_key_value() -> None:
    settings = _diagnostics("cosmos")
    assert set(settings) == {"account"}
    categories = _categories(settings["account"])
    assert {"DataPlaneRequests", "ControlPlaneRequests"} <= categories
    # These record partition key values (fiscal codes) or query text.
    assert not categories & {
        "PartitionKeyStatistics",
        "PartitionKeyRUConsumption",
        "QueryRuntimeStatistics",
    }


def test_every_key_vault_access_is_logged() -> None:
    settings = _diagnostics("key-vault")
    assert set(settings) == {"vault"}
    assert "categoryGroup: 'audit'" in settings["vault"].body


# The app identity's roles


def test_role_ids_are_azures_built_in_ones() -> None:
    declared = variables(ROLES)
    for name, role_id in BUILT_IN_ROLES.items():
        assert declared[name] == f"'{role_id}'", name


def _assignments() -> set[tuple[str, str]]:
    """(role variable, scope) of every role assignment of the app's identity."""
    found = set()
    for assignment in resources_of_type(ROLES, ROLE_ASSIGNMENT):
        role = re.search(r"'Microsoft.Authorization/roleDefinitions', (\w+)\)", assignment.body)
        assert role, assignment.symbol
        found.add((role.group(1), assignment.property("scope") or ""))
    return found


def test_the_app_holds_each_storage_role_on_the_narrowest_scope() -> None:
    assert _assignments() == {
        # Attachments, and reading their malware verdict (index tags): their containers only.
        ("storageBlobDataOwner", "attachmentContainers[i]"),
        # The Functions host's keys and locks: its own containers only.
        ("storageBlobDataOwner", "hostContainers[i]"),
        # The code package: its container only.
        ("packageRole", "deploymentContainer"),
        # The user delegation key signing download links: account-level, no data access.
        ("storageBlobDelegator", "storageAccount"),
        ("storageQueueDataContributor", "storageAccount"),
        ("keyVaultSecretsUser", "vault"),
    }


def test_no_blob_data_role_is_held_on_the_whole_account() -> None:
    on_account = {role for role, scope in _assignments() if scope == "storageAccount"}
    assert not on_account & BLOB_DATA_ROLES


def test_the_package_role_writes_on_flex_and_only_reads_on_premium() -> None:
    assert variables(ROLES)["packageRole"] == (
        "planKind == 'flex' ? storageBlobDataContributor : storageBlobDataReader"
    )
    assert module_params("access")["planKind"] == "planKind"


def test_the_scoped_containers_are_the_ones_the_storage_module_creates() -> None:
    params = module_params("access")
    assert params["attachmentContainerNames"] == "storage.outputs.attachmentContainerNames"
    assert params["hostContainerNames"] == "storage.outputs.hostContainerNames"
    assert params["deploymentContainerName"] == "storage.outputs.deploymentContainerName"
    text = STORAGE.read_text(encoding="utf-8")
    assert "'azure-webjobs-hosts'" in text
    assert "'azure-webjobs-secrets'" in text


# Malware scanning


def test_uploads_are_scanned_for_malware_with_the_verdict_in_index_tags() -> None:
    [defender] = resources_of_type(STORAGE, "Microsoft.Security/defenderForStorageSettings")
    assert defender.body.startswith("if (malwareScanningEnabled) {")
    assert defender.property("name") == "'current'"
    assert defender.property("scope") == "account"
    on_upload = defender.body[defender.body.index("onUpload:") :]
    assert on_upload.split("}")[0].count("isEnabled: true") == 1
    assert defender.property("capGBPerMonth") == "malwareScanningCapGBPerMonth"
    assert defender.property("blobScanResultsOptions") == "'blobIndexTags'"
    assert defender.property("overrideSubscriptionLevelSettings") == "true"


def test_malware_scanning_is_on_by_default_in_prod_only() -> None:
    main = MAIN.read_text(encoding="utf-8")
    assert "param malwareScanningEnabled bool = environment == 'prod'\n" in main
    prod = (AZURE / "main.prod.bicepparam").read_text(encoding="utf-8")
    assert "param malwareScanningEnabled = true\n" in prod
    params = module_params("storage")
    assert params["malwareScanningEnabled"] == "malwareScanningEnabled"
    assert params["malwareScanningCapGBPerMonth"] == "malwareScanningCapGBPerMonth"


# The internal API's networks


def test_the_internal_api_networks_reach_the_app_setting_comma_separated() -> None:
    main = MAIN.read_text(encoding="utf-8")
    assert "param internalApiAllowedCidrs array = []\n" in main
    assert module_params("appSettings")["internalApiAllowedCidrs"] == "internalApiAllowedCidrs"
    settings = (MODULES / "app-settings.bicep").read_text(encoding="utf-8")
    assert "  INTERNAL_API_ALLOWED_CIDRS: join(internalApiAllowedCidrs, ',')\n" in settings
