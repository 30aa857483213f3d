// What the app's managed identity may do, each role on the narrowest scope that works:
//   Storage, blobs:
//     Blob Data Owner on each container of attachments: store, read and delete attachment
//       blobs, and read their index tags (Defender's malware verdict; no Contributor-level
//       role reads tags).
//     Blob Data Owner on the Functions host's own containers (azure-webjobs-hosts, -secrets):
//       the role Microsoft documents for identity-based host storage (keys, timer locks).
//     On the code package's container: Blob Data Contributor on Flex Consumption (the
//       platform writes the package there with the app's identity), Blob Data Reader on
//       Premium (WEBSITE_RUN_FROM_PACKAGE only reads it).
//     Blob Delegator on the account: the user delegation key that signs attachment download
//       links. Its action is account-level (a container-scoped role cannot grant it), and it
//       gives no data access: a link can only grant what the identity itself may do.
//   Storage, queues: Queue Data Contributor on the account (triggers, senders, poison queues).
//   Cosmos DB: the built-in Data Contributor, data plane only, on this account.
//   Key Vault: Secrets User (read the two secrets its app settings reference).

param principalId string
@allowed([
  'flex'
  'premium'
])
param planKind string
param storageAccountName string
@description('The containers holding attachments (shared/storage_layout.json).')
param attachmentContainerNames array
@description('The Functions host\'s own containers.')
param hostContainerNames array
param deploymentContainerName string
param cosmosAccountName string
param keyVaultName string

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageBlobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
var storageBlobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
// Cosmos DB's own (data-plane) role definition, not an Azure RBAC role.
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'
var packageRole = planKind == 'flex' ? storageBlobDataContributor : storageBlobDataReader

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }
}

resource attachmentContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for name in attachmentContainerNames: {
    parent: storageAccount::blobService
    name: name
  }
]

resource hostContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for name in hostContainerNames: {
    parent: storageAccount::blobService
    name: name
  }
]

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = {
  parent: storageAccount::blobService
  name: deploymentContainerName
}

resource cosmosAccount 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource attachmentsOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in attachmentContainerNames: {
    name: guid(attachmentContainers[i].id, principalId, storageBlobDataOwner)
    scope: attachmentContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource hostBlobsOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, i) in hostContainerNames: {
    name: guid(hostContainers[i].id, principalId, storageBlobDataOwner)
    scope: hostContainers[i]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource packageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(deploymentContainer.id, principalId, packageRole)
  scope: deploymentContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', packageRole)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource linkSigner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, storageBlobDelegator)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDelegator)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount.id, principalId, storageQueueDataContributor)
  scope: storageAccount
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource cosmosData 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmosAccount
  name: guid(cosmosAccount.id, principalId, cosmosDataContributor)
  properties: {
    roleDefinitionId: '${cosmosAccount.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    principalId: principalId
    scope: cosmosAccount.id
  }
}
