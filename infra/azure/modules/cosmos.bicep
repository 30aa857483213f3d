// Cosmos DB (NoSQL): the account, the database and every container of
// shared/storage_layout.json with its partition key, indexing policy and default TTL.
// Keys are disabled: the app and operators sign in with Entra ID (data-plane RBAC). Every
// data-plane and control-plane request is logged to Log Analytics (the audit trail).

param location string
param tags object
param accountName string
param databaseName string
@description('Containers, from shared/storage_layout.json: name, partitionKey, indexingPolicy, defaultTtl (optional).')
param containers array
param serverless bool
param maxThroughput int
param zoneRedundant bool
@description('The Log Analytics workspace the audit logs go to.')
param logAnalyticsWorkspaceId string

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: zoneRedundant
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    // checkov:skip=CKV_AZURE_101:The app runs without VNet integration (Flex Consumption default) and reaches Cosmos DB over the public endpoint; keys are disabled, so every request needs an Entra ID token with a data role.
    publicNetworkAccess: 'Enabled'
    // checkov:skip=CKV_AZURE_99:An IP filter would shut out the Functions instances, whose outbound addresses are not fixed without a VNet; access is by Entra ID only (disableLocalAuth).
    ipRules: []
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    // Serverless accounts take no throughput; provisioned ones share autoscale RU/s.
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: maxThroughput
      }
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKey
          ]
          kind: 'Hash'
          version: 2
        }
        indexingPolicy: container.indexingPolicy
        // Where the layout gives none, TTL stays off (null); -1 lets documents expire by
        // their own ttl.
        defaultTtl: contains(container, 'defaultTtl') ? container.defaultTtl : null
      }
    }
  }
]

// The audit trail: each data-plane request (operation, container, status, the caller's
// Entra principal) and each change to the account (keys, network rules, role assignments).
// Left out on purpose: PartitionKeyStatistics and PartitionKeyRUConsumption record partition
// key values, which are fiscal codes here, and QueryRuntimeStatistics records query text.
resource audit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: account
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    // Resource-specific tables (CDBDataPlaneRequests, CDBControlPlaneRequests).
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'DataPlaneRequests'
        enabled: true
      }
      {
        category: 'ControlPlaneRequests'
        enabled: true
      }
    ]
  }
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
