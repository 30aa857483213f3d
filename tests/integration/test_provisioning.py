"""Provisioning creates the layout's containers and queues, and can run again safely."""

from __future__ import annotations

from azure.cosmos import CosmosClient, PartitionKey

from shared.adapters.provisioning import provision
from shared.adapters.queues import queue_client
from shared.storage_layout import ContainerName, storage_layout


def test_provisioning_twice_leaves_every_container_with_its_partition_key(local_stack):
    # GIVEN a stack provisioned once by the session fixture
    settings = local_stack.settings
    # WHEN provisioning runs again
    provision(settings)
    # THEN each container of the layout exists with the layout's partition key
    client = CosmosClient(settings.cosmos_endpoint, settings.cosmos_key, connection_verify=False)
    database = client.get_database_client(storage_layout().database)
    for spec in storage_layout().containers:
        properties = database.get_container_client(spec.name).read()
        assert properties["partitionKey"]["paths"] == [spec.partition_key]


def test_provisioning_creates_every_queue_of_the_layout(local_stack):
    for name in storage_layout().queues:
        properties = queue_client(local_stack.storage, name).get_queue_properties()
        assert properties.name == name


def test_provisioning_again_changes_no_index_and_brings_an_old_one_up_to_date(local_stack, caplog):
    # GIVEN the schedule's container as an older layout made it (nothing indexed)
    settings = local_stack.settings
    client = CosmosClient(settings.cosmos_endpoint, settings.cosmos_key, connection_verify=False)
    database = client.get_database_client(storage_layout().database)
    spec = storage_layout().container(ContainerName.REMINDER_SCHEDULE)
    database.replace_container(
        spec.name,
        partition_key=PartitionKey(path=spec.partition_key),
        indexing_policy={"includedPaths": [], "excludedPaths": [{"path": "/*"}]},
        default_ttl=spec.default_ttl,
    )
    caplog.set_level("INFO")
    # WHEN provisioning runs, twice
    provision(settings)
    updated = caplog.text.count("updated the indexing policy")
    caplog.clear()
    provision(settings)
    # THEN the first brought that one index up to date, and the second changed nothing
    assert (updated, caplog.text.count("updated the indexing policy")) == (1, 0)
    paths = database.get_container_client(spec.name).read()["indexingPolicy"]["includedPaths"]
    assert {item["path"] for item in paths} == {"/hour/?", "/drained/?"}
