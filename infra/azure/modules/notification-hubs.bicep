// Pushes: a Notification Hubs namespace and hub. The app only sends, so it gets a hub-level
// rule with the Send right alone; its connection string goes to Key Vault, never to an
// app setting in the clear. Platform credentials (APNs, FCM) are set on the hub by an
// operator (docs/deploy.md).

param location string
param tags object
param namespaceName string
param hubName string
param skuName string
param keyVaultName string

resource namespace 'Microsoft.NotificationHubs/namespaces@2023-09-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    namespaceType: 'NotificationHub'
  }
}

resource hub 'Microsoft.NotificationHubs/namespaces/notificationHubs@2023-09-01' = {
  parent: namespace
  name: hubName
  location: location
  tags: tags
  properties: {}
}

resource sendRule 'Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules@2023-09-01' = {
  parent: hub
  name: 'postino-send'
  properties: {
    rights: [
      'Send'
    ]
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource connectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41:The value is re-read from the hub's rule at every deployment; rotating the rule's key and redeploying replaces it (docs/deploy.md), so a date would only break pushes.
  parent: vault
  name: 'notification-hub-connection'
  properties: {
    value: sendRule.listKeys().primaryConnectionString
    contentType: 'text/plain'
  }
}

output namespaceName string = namespace.name
output hubName string = hub.name
output connectionSecretUri string = '${vault.properties.vaultUri}secrets/${connectionSecret.name}/'
