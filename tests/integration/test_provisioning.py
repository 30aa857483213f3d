"""Provisioning creates the layout's containers and queues, and can run again safely."""

from __future__ import annotations

from azure.cosmos import CosmosClient

from shared.adapters.provisioning import provision
from shared.adapters.queues import queue_client
from shared.storage_layout import storage_layout


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
